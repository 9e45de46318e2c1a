"""A baseline measured in several fresh processes, with more while its fastest disagree.

One process may run a few percent fast or slow as a whole, and on a busy machine one in a
few runs far slower. A baseline is therefore measured in ``processes`` fresh pytest
processes; while the two fastest of them disagree by more than half a benchmark's
threshold (the gate could not tell a regression at its boundary from the baseline's own
noise), up to as many again are measured. What still disagrees then is reported, with
its spread, so that the caller can refuse or flag it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_piv.baselines.remeasure import remeasure
from pytest_piv.baselines.verdicts import spread_of_fastest

#: One process's samples: ``name -> (iterations, per-iteration seconds of each round)``.
Process = Mapping[str, tuple[int, tuple[float, ...]]]


@dataclass
class FreshBaseline:
    """The processes measured (the first may be the caller's own run) and what went wrong."""

    processes: list[Process] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def too_wide(
    processes: Sequence[Process], threshold_for: Callable[[str], float]
) -> dict[str, float]:
    """Benchmarks whose two fastest processes differ by more than half their threshold."""
    names = sorted({name for process in processes for name in process})
    wide: dict[str, float] = {}
    for name in names:
        spread = spread_of_fastest([p[name][1] for p in processes if name in p])
        if spread is not None and spread > threshold_for(name) / 2:
            wide[name] = spread
    return wide


def measure(
    root: Path,
    names: Sequence[str],
    options: Sequence[str],
    processes: int,
    threshold_for: Callable[[str], float],
    first: Process | None = None,
) -> FreshBaseline:
    """Measure ``names`` until ``processes`` processes agree, or twice that many ran."""
    found = FreshBaseline([first] if first else [])
    most = processes if processes < 2 else 2 * processes
    while len(found.processes) < processes or (
        len(found.processes) < most and too_wide(found.processes, threshold_for)
    ):
        again = remeasure(root, names, options)
        if again.error:
            found.errors.append(again.error)
            break
        if not again.samples:
            break
        found.processes.append(dict(again.samples))
    return found


def describe(wide: Mapping[str, float], processes: int) -> str:
    """One clause per benchmark: ``NAME is too noisy to gate (...)``."""
    return "; ".join(
        f"{name} is too noisy to gate (the two fastest of {processes} processes differ by "
        f"+{spread * 100:.1f}%, more than half its threshold)"
        for name, spread in sorted(wide.items())
    )
