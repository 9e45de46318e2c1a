"""A guided Red-Green-Refactor cycle with `pytest --piv` on a copy of examples/shop.

Each step edits the project the way a developer would, runs `pytest --piv` for real and
checks that pytest-piv named the phase it should. Exits 1 if any step surprised it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def run(cwd: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=ENV, check=False)
    return done.returncode, done.stdout + done.stderr


def piv_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("piv:", "  violation", "  next"))]


def step(project: Path, title: str, expect_phase: str, expect_code: int, *extra: str) -> bool:
    print(f"\n### {title}")
    print(f"$ pytest --piv -q {' '.join(extra)}".rstrip())
    code, out = run(project, str(BIN / "pytest"), "--piv", "-q", "-p", "no:cacheprovider", *extra)
    for line in piv_lines(out):
        print(line)
    tail = [line for line in out.splitlines() if line.strip()][-1:]
    print(*tail)
    ok = f"piv: {expect_phase}" in out and code == expect_code
    print(f"-> {'as expected' if ok else 'UNEXPECTED'} (exit {code})")
    return ok


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="piv-demo-") as tmp:
        project = Path(tmp) / "shop"
        shutil.copytree(HERE / "examples" / "shop", project)
        for args in (
            ("git", "init", "-q"),
            ("git", "config", "user.email", "demo@example.com"),
            ("git", "config", "user.name", "demo"),
            ("git", "add", "-A"),
            ("git", "commit", "-qm", "shop"),
        ):
            run(project, *args)
        (project / ".gitignore").write_text(".piv/\n.coverage\n")
        cart = project / "src" / "shop" / "cart.py"
        tests = project / "tests" / "test_cart.py"
        results = [step(project, "1. adopt the existing suite", "ADOPTED", 0)]

        tests.write_text(
            tests.read_text()
            + "\n\ndef test_total_applies_a_percentage_discount() -> None:\n"
            "    from shop.cart import total\n\n"
            "    assert total([10.0, 10.0], discount=10) == 18.0\n"
        )
        results.append(step(project, "2. write a failing test first", "RED", 1))

        cart.write_text(
            cart.read_text()
            + "\n\ndef total(prices: list[float], discount: float = 0) -> float:\n"
            "    return subtotal(prices) * (100 - discount) / 100\n"
        )
        results.append(step(project, "3. make it pass with the smallest change", "GREEN", 0))

        cart.write_text(
            cart.read_text().replace(
                "    return subtotal(prices) * (100 - discount) / 100\n",
                "    factor = (100 - discount) / 100\n    return subtotal(prices) * factor\n",
            )
        )
        results.append(
            step(project, "4. refactor, with coverage to prove it", "REFACTOR", 0, "--cov=shop")
        )

        tests.write_text(
            tests.read_text()
            + "\n\ndef test_total_without_discount() -> None:\n"
            "    from shop.cart import total\n\n"
            "    assert total([2.0]) == 2.0\n"
        )
        results.append(
            step(project, "5. a test that passes at once is an RGR violation", "VIOLATION", 1)
        )

        print("\n### 6. the evidence, from the piv CLI")
        for args in (("status",), ("log", "-n", "5")):
            print(f"$ piv {' '.join(args)}")
            print(run(project, str(BIN / "piv"), *args)[1].rstrip())
    if all(results):
        print("\ndemo: every step behaved as expected")
        return 0
    print("\ndemo: some steps did not behave as expected", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
