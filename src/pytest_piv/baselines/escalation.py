"""When stored mode cannot decide, measure again, interleaved, against the baseline's commit.

A stored comparison left inconclusive (too noisy, or neither clearing the boundary nor
ruling the threshold out) is settled by an A/B run, and one judged regressed is confirmed
by one (stored mode beside a busy neighbour can call unchanged code slower): the commit
the baseline was measured on is checked out in a temporary git worktree, and base and
working tree are measured in pairs of fresh worker processes, rounds alternating, within
a time budget. The A/B verdict replaces the stored one, with the samples it was judged on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pytest_piv.baselines.ab import ABError, ABOptions, Side, run_ab
from pytest_piv.baselines.settings import BenchSettings
from pytest_piv.baselines.verdicts import Comparison, Verdict
from pytest_piv.baselines.worktree import checkout
from pytest_piv.errors import VcsError


@dataclass(frozen=True)
class Escalated:
    """A/B verdicts by benchmark name, and one sentence on what was done."""

    comparisons: dict[str, Comparison]
    note: str


def escalate(
    root: Path,
    commit: str,
    names: Sequence[str],
    options: ABOptions,
    threshold_for: Callable[[str], float],
    alpha: float,
) -> Escalated:
    """A/B of ``names`` between ``commit`` and the working tree at ``root``."""
    started = time.monotonic()
    short = commit[:12]
    count = f"{len(names)} benchmark{'s' if len(names) != 1 else ''}"
    try:
        with checkout(root, commit) as base_root:
            files = sorted({n.split("::", 1)[0] for n in names})
            present = [f for f in files if (base_root / f).is_file() and (root / f).is_file()]
            if not present:
                return Escalated({}, f"could not escalate {count}: their files are not in {short}")
            done = run_ab(
                Side.of(base_root),
                Side.of(root),
                present,
                options,
                threshold_for,
                alpha,
                names=names,
            )
    except (VcsError, ABError, OSError, ValueError) as exc:
        why = str(exc).splitlines()[0]
        return Escalated({}, f"could not escalate {count} to an A/B run against {short}: {why}")
    spent = time.monotonic() - started
    found: dict[str, Comparison] = {}
    for c in done.comparisons:
        if c.name not in names or c.estimate is None:
            continue
        settle = c.settle
        if c.verdict is Verdict.INCONCLUSIVE and done.out_of_time:
            settle = f"a larger [tool.piv.bench] escalation_budget, or {settle}"
        found[c.name] = replace(c, reason=f"{c.reason} (A/B against commit {short})", settle=settle)
    budget = "; its time budget ran out" if done.out_of_time else ""
    note = (
        f"stored mode could not decide {count}: measured them against commit {short} "
        f"(A/B, {done.pairs} pairs in {spent:.1f}s){budget}"
    )
    return Escalated(found, note)


def settle(
    root: Path,
    undecided: Sequence[str],
    heads: Mapping[str, str | None],
    settings: BenchSettings,
    threshold_for: Callable[[str], float],
) -> tuple[dict[str, Comparison], list[str]]:
    """Escalate ``undecided`` benchmarks, grouped by their baseline's commit, in the budget.

    Returns the A/B verdicts by name and one note per group.
    """
    by_commit: dict[str | None, list[str]] = {}
    for name in undecided:
        by_commit.setdefault(heads.get(name), []).append(name)
    deadline = time.monotonic() + settings.escalation_budget
    decided: dict[str, Comparison] = {}
    notes: list[str] = []
    for commit, names in by_commit.items():
        left = deadline - time.monotonic()
        if commit is None or left <= 0:
            count = f"{len(names)} benchmark{'s' if len(names) != 1 else ''}"
            why = "no git commit is known for its baseline" if commit is None else "no time left"
            notes.append(f"could not escalate {count} to an A/B run: {why}")
            continue
        options = ABOptions(pairs=settings.pairs, remeasure=settings.remeasure, budget=left)
        done = escalate(root, commit, names, options, threshold_for, settings.alpha)
        notes.append(done.note)
        decided.update(done.comparisons)
    return decided, notes
