"""Benchmark: does a CPU profile blame the right function, per py-spy rate and pausing?

A program spends its time in ``leaf`` called from ``middle`` (which does nothing itself)
and a little in ``cheap``. Each mode records it ``--runs`` times with py-spy (through
pytest-piv's backend, the launcher included) and counts the wrong answers:

* ``leaf`` not first by own time;
* ``middle`` blamed: more than 5 % of the samples inside ``middle`` landed on ``middle``
  itself (a stack read while it changed, or attributed to the caller).

Modes as in ``profile_overhead.py``: ``cpu@50`` pauses the program at each of 50 samples
a second, ``cpunb@100`` samples 100 times a second without pausing (``--nonblocking``)::

    python benchmarks/profile_accuracy.py --runs 10 --modes cpu@100,cpu@50,cpu@25,cpunb@100
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from pytest_piv.profiling import pyspy

PROGRAM = """\
def leaf(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def middle(n):
    return leaf(n)


def cheap(n):
    return sum(range(n))


for _ in range(3):
    middle({work})
    cheap(1000)
"""


def one(mode: str, work: int, scratch: Path, index: int) -> tuple[bool, float, int]:
    """(leaf first by own time, middle's own share of its total, samples) of one run."""
    kind, _, rate = mode.partition("@")
    script = scratch / "prog.py"
    script.write_text(PROGRAM.format(work=work), encoding="utf-8")
    out = scratch / f"{mode}-{index}"
    pyspy.record(
        [sys.executable, str(script)],
        out,
        rate=int(rate or 100),
        blocking=kind == "cpu",
        capture=True,
    )
    profile = pyspy.load(out)
    spots = {h.name: h for h in profile.hotspots()}
    first = profile.hotspots()[0].name if spots else ""
    middle = spots.get("middle")
    blamed = middle.own / middle.total if middle and middle.total else 0.0
    return first == "leaf", blamed, profile.samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", type=int, default=8_000_000, help="leaf's loop length")
    parser.add_argument("--modes", default="cpu@100,cpu@50,cpu@25,cpunb@100")
    options = parser.parse_args()
    modes = options.modes.split(",")
    results: dict[str, list[tuple[bool, float, int]]] = {m: [] for m in modes}
    with tempfile.TemporaryDirectory(prefix="piv-accuracy-") as scratch:
        for index in range(options.runs):
            for mode in modes:  # interleaved: a busy spell hits every mode alike
                results[mode].append(one(mode, options.work, Path(scratch), index))
    for mode, rows in results.items():
        wrong_leaf = sum(not first for first, _, _ in rows)
        blamed = [b for _, b, _ in rows]
        wrong_blame = sum(b > 0.05 for b in blamed)
        print(
            f"{mode:9}  leaf not first {wrong_leaf}/{len(rows)}"
            f"  middle blamed >5% {wrong_blame}/{len(rows)}"
            f" (median {statistics.median(blamed) * 100:.1f}%, max {max(blamed) * 100:.1f}%)"
            f"  samples median {statistics.median(s for _, _, s in rows):.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
