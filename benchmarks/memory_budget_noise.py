"""Benchmark: do memory budgets cry wolf, and do they catch a real growth?

Makes a small project whose tests allocate in different ways (lists of objects, dicts,
strings, a numpy-free matrix of floats), measures each test's peak with
``pytest --piv-profile=mem``, sets each test's budget 10 % above its measured peak
(``@pytest.mark.piv_memory(limit=...)``, ``tolerance = "0%"``), then runs the unchanged
suite ``--runs`` times (how many runs fail: false alarms) and a copy whose allocations are
30 % larger ``--grown`` times (how many runs fail: caught growths)::

    python benchmarks/memory_budget_noise.py --runs 20 --grown 5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = """\
import pytest

SCALE = {scale}


@pytest.mark.piv_memory(limit="{objects}")
def test_objects():
    class Point:
        def __init__(self, x):
            self.x, self.y = x, -x
    assert len([Point(i) for i in range(int(40_000 * SCALE))]) > 0


@pytest.mark.piv_memory(limit="{mapping}")
def test_mapping():
    assert len({{str(i): i for i in range(int(60_000 * SCALE))}}) > 0


@pytest.mark.piv_memory(limit="{text}")
def test_text():
    assert len("-".join(str(i) * 3 for i in range(int(80_000 * SCALE)))) > 0


@pytest.mark.piv_memory(limit="{matrix}")
def test_matrix():
    n = int(300 * SCALE ** 0.5)
    assert len([[float(i * j) for j in range(n)] for i in range(n)]) == n
"""
NAMES = ("objects", "mapping", "text", "matrix")


def run(root: Path) -> tuple[int, dict[str, int]]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--piv-profile=mem"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    runs = sorted((root / ".piv" / "profiles").iterdir())
    report = json.loads((runs[-1] / "report.json").read_text())
    peaks = {n.split("::test_")[1]: t["peak"] for n, t in report["mem"]["tests"].items()}
    return done.returncode, peaks


def write(root: Path, scale: float, limits: dict[str, str]) -> None:
    (root / "test_alloc.py").write_text(TESTS.format(scale=scale, **limits))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--grown", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="piv-memnoise-") as scratch:
        root = Path(scratch)
        (root / "pyproject.toml").write_text('[tool.piv.profile]\ntolerance = "0%"\n')
        write(root, 1.0, dict.fromkeys(NAMES, "10 GB"))
        _, peaks = run(root)
        limits = {n: f"{int(peaks[n] * 1.10)} B" for n in NAMES}
        print("measured peaks:", peaks, flush=True)
        write(root, 1.0, limits)
        false_alarms = 0
        for index in range(options.runs):
            code, seen = run(root)
            false_alarms += code != 0
            print(f"unchanged run {index + 1}: exit {code}, peaks {seen}", flush=True)
        write(root, 1.3, limits)
        caught = 0
        for index in range(options.grown):
            code, seen = run(root)
            caught += code != 0
            print(f"+30% run {index + 1}: exit {code}, peaks {seen}", flush=True)
    print(f"false alarms: {false_alarms} of {options.runs} unchanged runs")
    print(f"caught: {caught} of {options.grown} runs with 30% more allocation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
