"""Benchmark: ``piv coverage check`` on a generated 1,000-file project.

Generates ``--files`` modules of about 100 lines each under ``src/gen/``, writes a
coverage data file for them with coverage.py's own API (about two thirds of the lines
executed), configures three rules, and times ``piv coverage check`` end to end, cold
(no piv store, so every file is parsed) and warm (coverage.py's static analysis of each
file comes from the store's cache, as after any earlier ``pytest --piv`` or check)::

    .venv/bin/python benchmarks/coverage_check_files.py --workdir /tmp/piv-files --files 1000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import coverage

MODULE = '''\
"""Generated module {n}."""


def f{n}_a(x):
    if x > 0:
        y = x + 1
    else:
        y = x - 1
    return y

'''
FUNCTION = """
def f{n}_{i}(items):
    total = 0
    for item in items:
        if item % 2:
            total += item
        else:
            total -= item
    return total
"""
PYPROJECT = """\
[tool.piv.rgr]
mode = "off"

[tool.piv.coverage]
fail_under = 50
branch = false

[[tool.piv.coverage.rule]]
path = "src/gen/m00*.py"
min = 60

[[tool.piv.coverage.rule]]
module = "gen"
min = 60
per = "file"
"""


def generate(root: Path, files: int) -> None:
    package = root / "src" / "gen"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(PYPROJECT)
    executed: dict[str, set[int]] = {}
    for n in range(files):
        text = MODULE.format(n=n) + "".join(FUNCTION.format(n=n, i=i) for i in range(9))
        path = package / f"m{n:04d}.py"
        path.write_text(text)
        lines = [i for i, line in enumerate(text.splitlines(), 1) if line.strip()]
        executed[str(path.resolve())] = {line for line in lines if line % 3}
    data = coverage.CoverageData(basename=str(root / ".coverage"))
    data.add_lines(executed)
    data.write()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/piv-files"))
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    generate(options.workdir, options.files)
    piv = str(Path(sys.executable).with_name("piv"))
    store = options.workdir / ".piv"

    def check() -> tuple[float, subprocess.CompletedProcess[str]]:
        start = time.perf_counter()
        done = subprocess.run(
            [piv, "coverage", "check"], cwd=options.workdir, capture_output=True, text=True
        )
        return time.perf_counter() - start, done

    for state in ("cold", "warm"):
        samples = []
        for _ in range(options.repeat):
            if state == "cold":
                shutil.rmtree(store, ignore_errors=True)
            seconds, done = check()
            samples.append(seconds)
        print(
            f"piv coverage check, {options.files} files, {state}: median "
            f"{statistics.median(samples):.3f} s, min {min(samples):.3f} s over "
            f"{options.repeat} runs (exit {done.returncode}; {done.stdout.splitlines()[-1]})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
