"""Benchmark: what CPU and memory profiling cost on a real third-party test suite.

Runs, interleaved in random order per pair, ``--pairs`` times each:

* ``python -m pytest ARGS``                            (the reference)
* ``piv profile cpu -- python -m pytest ARGS``         (py-spy as the parent, 100 Hz)
* ``python -m pytest --piv-profile=mem ARGS``          (memray around every test)

and prints, per mode, the median wall time and the median CPU time (user + sys of every
child process, py-spy's own included) as ratios to the reference. The suite is not
committed here; point ``--project`` at a checkout of one, for example more-itertools'
repository (pure Python, no test dependencies)::

    python benchmarks/profile_overhead.py --project /tmp/mi --pairs 5 -- tests/test_more.py
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

MODES = ("plain", "cpu", "mem")


def command(mode: str, args: list[str]) -> list[str]:
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:piv"]
    if mode == "cpu":
        return [sys.executable, "-m", "pytest_piv", "profile", "cpu", "--", *pytest, *args]
    if mode == "mem":
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        return [*pytest, "--piv-profile=mem", *args]
    return [*pytest, *args]


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()
    # the unprofiled run is always measured: it is what the others are compared with
    modes = ["plain", *(m for m in options.modes.split(",") if m in MODES and m != "plain")]
    results: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    for pair in range(options.pairs):
        order = modes[:]
        random.shuffle(order)
        for mode in order:
            results[mode].append(timed(command(mode, options.args), options.project))
        print(
            f"pair {pair + 1}: "
            + ", ".join(
                f"{m} {results[m][-1][0]:.2f} s wall / {results[m][-1][1]:.2f} s cpu" for m in modes
            ),
            flush=True,
        )
    shutil.rmtree(options.project / ".piv" / "profiles", ignore_errors=True)
    base_wall = statistics.median(w for w, _ in results["plain"])
    base_cpu = statistics.median(c for _, c in results["plain"])
    for mode in modes:
        wall = statistics.median(w for w, _ in results[mode])
        cpu = statistics.median(c for _, c in results[mode])
        print(
            f"{mode:5}  wall {wall:7.2f} s  ({wall / base_wall:.2f}x)"
            f"   cpu {cpu:7.2f} s  ({cpu / base_cpu:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
