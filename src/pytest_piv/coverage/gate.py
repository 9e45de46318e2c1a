"""From measured files and settings to one verdict per rule group, exactly.

The plugin and ``piv coverage check`` both call :func:`judge`; nothing else decides
whether coverage passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from pytest_piv.coverage.diff import DiffVerdict
from pytest_piv.coverage.model import FileCoverage, Ratio
from pytest_piv.coverage.percent import show_minimum, show_percent
from pytest_piv.coverage.ratchet import BaselineEntry, RatchetVerdict, judge_ratchet
from pytest_piv.coverage.rules import Group, assign, check_branch_data
from pytest_piv.coverage.settings import CoverageSettings, Per, Rule

Scope = Literal["whole", "subset-report", "subset-targeted"]


def _total(ratios: Sequence[Ratio]) -> Ratio:
    return sum(ratios, Ratio(0, 0))


@dataclass(frozen=True)
class FileVerdict:
    """One file of a group, with what it fails (empty when it passes or is not judged)."""

    file: FileCoverage
    failures: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class GroupVerdict:
    """The verdict for one rule: numbers over all its files and what failed, if anything."""

    rule: Rule
    files: tuple[FileVerdict, ...]
    lines: Ratio
    branches: Ratio | None
    partial: int
    judged_lines: Ratio
    judged_branches: Ratio | None
    failures: tuple[str, ...]
    gated: bool
    ratchet: RatchetVerdict | None = None

    @property
    def per(self) -> Per:
        return self.rule.per

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failed(self) -> bool:
        """True only when this group makes the run fail."""
        return self.gated and not self.ok

    def worst_files(self, limit: int) -> tuple[FileVerdict, ...]:
        """The files to show under a failing group: failing first, then most missed."""
        ranked = sorted(
            (f for f in self.files if f.file.missing or f.file.missing_arcs or f.failures),
            key=lambda f: (
                f.ok,
                -(len(f.file.missing) + len(f.file.missing_arcs)),
                f.file.path,
            ),
        )
        return tuple(ranked[:limit]) if limit else tuple(ranked)


@dataclass(frozen=True)
class CoverageVerdict:
    """Everything the gate concluded for one run or one set of data files."""

    groups: tuple[GroupVerdict, ...]
    scope: Scope
    has_branches: bool
    diff: DiffVerdict | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> bool:
        return any(g.failed for g in self.groups) or (
            self.diff is not None and self.diff.failed and self.scope != "subset-report"
        )

    @property
    def failed_groups(self) -> tuple[GroupVerdict, ...]:
        return tuple(g for g in self.groups if g.failed)

    @property
    def files(self) -> tuple[FileCoverage, ...]:
        return tuple(f.file for g in self.groups for f in g.files)


def _below(kind: str, ratio: Ratio, minimum: Fraction | None) -> str | None:
    if minimum is None or ratio.meets(minimum):
        return None
    return f"{kind} {show_percent(ratio.percent, minimum)} % < {show_minimum(minimum)} %"


def _judge_file(file: FileCoverage, rule: Rule, has_branches: bool) -> FileVerdict:
    failures = [
        message
        for message in (
            _below("line coverage", file.lines, rule.min),
            _below("branch coverage", file.branch_ratio, rule.branch_min) if has_branches else None,
        )
        if message
    ]
    return FileVerdict(file, tuple(failures))


def _judge_group(
    group: Group,
    has_branches: bool,
    gated: bool,
    baseline: BaselineEntry | None,
    settings: CoverageSettings,
) -> GroupVerdict:
    rule = group.rule
    lines = _total([f.lines for f in group.files])
    branches = _total([f.branch_ratio for f in group.files]) if has_branches else None
    partial = sum(len(f.partial_arcs) for f in group.files)
    failures: list[str] = []
    if rule.per == "file":
        verdicts = tuple(_judge_file(f, rule, has_branches) for f in group.files)
        judged_lines = min((f.lines for f in group.files), key=_order, default=lines)
        judged_branches = (
            min((f.branch_ratio for f in group.files), key=_order, default=branches)
            if branches is not None
            else None
        )
        below = [v for v in verdicts if not v.ok]
        if below:
            failures.append(f"{len(below)} of {len(verdicts)} files below the minimum")
    else:
        verdicts = tuple(FileVerdict(f) for f in group.files)
        judged_lines, judged_branches = lines, branches
        for message in (
            _below("line coverage", lines, rule.min),
            _below("branch coverage", branches, rule.branch_min) if branches else None,
        ):
            if message:
                failures.append(message)
    ratchet = None
    if baseline is not None:
        ratchet = judge_ratchet(
            baseline, lines, settings.ratchet_tolerance, settings.ratchet_missed_tolerance
        )
        failures.extend(ratchet.failures)
    return GroupVerdict(
        rule=rule,
        files=verdicts,
        lines=lines,
        branches=branches,
        partial=partial,
        judged_lines=judged_lines,
        judged_branches=judged_branches,
        failures=tuple(failures),
        gated=gated,
        ratchet=ratchet,
    )


def _order(ratio: Ratio) -> tuple[Fraction, int]:
    return (ratio.percent, -ratio.missed)


def judge(
    files: Sequence[FileCoverage],
    settings: CoverageSettings,
    *,
    has_branches: bool,
    scope: Scope = "whole",
    baseline: Mapping[str, BaselineEntry] | None = None,
    diff: DiffVerdict | None = None,
    reached: frozenset[str] | None = None,
) -> CoverageVerdict:
    """Judge every group; raises ``CoverageRuleError`` when the rules cannot apply.

    In a ``subset-report`` run nothing is gated; in a ``subset-targeted`` run only groups
    with a file the tests reached are gated: a file in ``reached`` (lines ran beyond its
    import), or, when that is unknown, any file with an executed line.
    """
    whole = scope == "whole"
    check_branch_data(settings, has_branches)
    groups = assign(files, settings, every_rule_must_match=whole)
    notes: list[str] = []
    verdicts: list[GroupVerdict] = []
    for group in groups:
        if group.rule.is_default and not group.files and settings.rules:
            continue
        if scope == "whole":
            gated = True
        elif scope == "subset-targeted":
            gated = any(
                f.path in reached if reached is not None else f.was_executed for f in group.files
            )
        else:
            gated = False
        entry = None
        if baseline is not None and settings.ratchet:
            entry = baseline.get(group.rule.name)
        verdicts.append(_judge_group(group, has_branches, gated, entry, settings))
    if scope == "subset-report":
        notes.append("subset run: coverage is reported, not gated (run the whole suite to gate)")
    elif scope == "subset-targeted":
        gated_names = [g.rule.name for g in verdicts if g.gated]
        notes.append(
            "subset run: gated only the rules its tests reached: "
            + (", ".join(gated_names) if gated_names else "none")
        )
    return CoverageVerdict(
        groups=tuple(verdicts),
        scope=scope,
        has_branches=has_branches,
        diff=diff,
        notes=tuple(notes),
    )
