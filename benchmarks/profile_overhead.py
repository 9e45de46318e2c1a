"""Benchmark: what CPU and memory profiling cost on a real third-party test suite.

Runs, interleaved in random order per pair, ``--pairs`` times each:

* ``python -m pytest ARGS``                            (the reference)
* ``piv profile cpu -- python -m pytest ARGS``         (py-spy as the parent, the default rate)
* ``python -m pytest --piv-profile=mem ARGS``          (memray around every test)

A CPU mode may name a rate and py-spy's pausing: ``cpu@50`` samples at 50 Hz,
``cpunb@100`` at 100 Hz without pausing the program (``--nonblocking``). For each CPU mode
the top functions by own time of its last run are printed, so rates can be compared for
what they find as well as for what they cost.

and prints, per mode, the median wall time and the median CPU time (user + sys of every
child process, py-spy's own included) as ratios to the reference. The suite is not
committed here; point ``--project`` at a checkout of one, for example more-itertools'
repository (pure Python, no test dependencies)::

    python benchmarks/profile_overhead.py --project /tmp/mi --pairs 5 -- tests/test_more.py
    python benchmarks/profile_overhead.py --project /tmp/mi --pairs 5 \
        --modes cpu@100,cpu@50,cpu@25,cpunb@100 -- tests/test_more.py
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

MODES = ("plain", "cpu", "mem")


def known(mode: str) -> bool:
    kind, _, rate = mode.partition("@")
    return mode in MODES or (kind in ("cpu", "cpunb") and (not rate or rate.isdigit()))


def command(mode: str, args: list[str]) -> list[str]:
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:piv"]
    kind, _, rate = mode.partition("@")
    if kind in ("cpu", "cpunb"):
        piv = [sys.executable, "-m", "pytest_piv", "profile", "cpu"]
        piv += ["--rate", rate] if rate else []
        piv += ["--nonblocking"] if kind == "cpunb" else []
        return [*piv, "--", *pytest, *args]
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


def top_functions(project: Path, count: int = 5) -> list[str]:
    """The functions by own time of the newest profile run in ``project``."""
    base = project / ".piv" / "profiles"
    found = sorted(base.iterdir()) if base.is_dir() else []
    if not found:
        return []
    try:
        data = json.loads((found[-1] / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    rows = (data.get("cpu") or {}).get("by_own", [])[:count]
    return [f"{r['function']} {r['own_share'] * 100:.1f}%" for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()
    # the unprofiled run is always measured: it is what the others are compared with
    modes = ["plain", *(m for m in options.modes.split(",") if known(m) and m != "plain")]
    results: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    tops: dict[str, list[str]] = {}
    for pair in range(options.pairs):
        order = modes[:]
        random.shuffle(order)
        for mode in order:
            results[mode].append(timed(command(mode, options.args), options.project))
            if mode.startswith("cpu"):
                tops[mode] = top_functions(options.project)
        print(
            f"pair {pair + 1}: "
            + ", ".join(
                f"{m} {results[m][-1][0]:.2f} s wall / {results[m][-1][1]:.2f} s cpu" for m in modes
            ),
            flush=True,
        )
    shutil.rmtree(options.project / ".piv" / "profiles", ignore_errors=True)
    base_wall = statistics.median(w for w, _ in results["plain"])
    base_best = min(w for w, _ in results["plain"])
    base_cpu = statistics.median(c for _, c in results["plain"])
    for mode in modes:
        wall = statistics.median(w for w, _ in results[mode])
        best = min(w for w, _ in results[mode])  # a busy neighbour only ever slows a run
        cpu = statistics.median(c for _, c in results[mode])
        print(
            f"{mode:9}  wall {wall:7.2f} s  ({wall / base_wall:.2f}x)"
            f"   best {best:7.2f} s  ({best / base_best:.2f}x)"
            f"   cpu {cpu:7.2f} s  ({cpu / base_cpu:.2f}x)"
        )
    for mode, top in tops.items():
        print(f"{mode:9}  top by own time: {', '.join(top)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
