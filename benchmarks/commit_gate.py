"""Benchmark: the commit gate (`piv hooks rgr`) with 5,000 tests in the store.

Generates a project of ``--modules`` modules with one test each (generate_project.py),
records two real ``pytest --piv`` runs (adopt, then RED for one new failing test), stages the
RED change and times ``piv hooks rgr`` and ``piv hooks commit-msg`` end to end (a fresh
process each time, as git starts them)::

    .venv/bin/python benchmarks/commit_gate.py --workdir /tmp/piv-gate --modules 5000

Target: a median of at most 300 ms for ``piv hooks rgr``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from generate_project import generate

RED = "\n\ndef test_new_red():\n    assert compute_0000(1) == -1\n"


def run(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)


def timed(cwd: Path, argv: list[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        done = run(cwd, *argv)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{argv} failed: {done.stdout}{done.stderr}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/piv-gate"))
    parser.add_argument("--modules", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    root = generate(args.workdir, args.modules)
    pytest = [sys.executable, "-m", "pytest", "--piv", "-q", "-p", "no:cacheprovider"]
    adopted = run(root, *pytest)
    test = root / "tests" / "test_mod_0000.py"
    test.write_text(test.read_text() + RED)
    red = run(root, *pytest)
    phase = [line for line in red.stdout.splitlines() if line.startswith("piv: ")]
    print(f"runs recorded: adopt exit {adopted.returncode}, then {phase[-1] if phase else red}")
    run(root, "git", "add", "-A")
    (root / ".git" / "MSG").write_text("test: a new red\n")
    piv = [sys.executable, "-m", "pytest_piv"]
    gate = timed(root, [*piv, "hooks", "rgr"], args.rounds)
    message = timed(root, [*piv, "hooks", "commit-msg", ".git/MSG"], args.rounds)
    baseline = timed(root, [sys.executable, "-c", "import pytest_piv.cli"], args.rounds)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"{args.modules} tests in the store; load {' '.join(load)}; {args.rounds} rounds")
    for name, values in (
        ("piv hooks rgr", gate),
        ("piv hooks commit-msg", message),
        ("python -c 'import pytest_piv.cli'", baseline),
    ):
        print(f"{name:<36} median {statistics.median(values) * 1000:7.1f} ms"
              f"  min {min(values) * 1000:7.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
