"""Diff coverage: how much of the lines added or changed since a base the tests ran.

Pure: :func:`parse_unified_diff` reads ``git diff --unified=0`` text, :func:`judge_diff`
compares the changed lines with what was measured. Git itself is asked in
:mod:`pytest_piv.coverage.changes`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from pytest_piv.coverage.model import FileCoverage, Ratio

ZERO = Ratio(0, 0)
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def parse_unified_diff(text: str) -> dict[str, frozenset[int]]:
    """The added or changed line numbers per new path in a ``--unified=0`` diff."""
    changed: dict[str, set[int]] = {}
    path: str | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:].rstrip("\t")
            path = None if target == "/dev/null" else target.removeprefix("b/")
            if path is not None:
                changed.setdefault(path, set())
        elif line.startswith("@@") and path is not None:
            match = HUNK.match(line)
            if match:
                start = int(match.group(1))
                count = 1 if match.group(2) is None else int(match.group(2))
                changed[path].update(range(start, start + count))
    return {p: frozenset(lines) for p, lines in changed.items() if lines}


@dataclass(frozen=True)
class DiffVerdict:
    """Diff coverage against one base, or why it was not computed (``skipped``)."""

    base: str
    lines: Ratio = ZERO
    minimum: Fraction | None = None
    uncovered: tuple[tuple[str, tuple[int, ...]], ...] = ()
    unmeasured: tuple[str, ...] = ()
    skipped: str | None = None

    @property
    def failed(self) -> bool:
        return (
            self.skipped is None and self.minimum is not None and not self.lines.meets(self.minimum)
        )


def judge_diff(
    changed: Mapping[str, frozenset[int]],
    files: Sequence[FileCoverage],
    minimum: Fraction | None,
    base: str,
    unmeasured_statements: Mapping[str, frozenset[int]] | None = None,
) -> DiffVerdict:
    """Changed statements that ran over changed statements, and each one that did not.

    A changed file the run did not measure (nothing imported it) has its statements in
    ``unmeasured_statements``: none of them ran.
    """
    measured = {f.path: f for f in files}
    never_run = unmeasured_statements or {}
    covered = total = 0
    uncovered: list[tuple[str, tuple[int, ...]]] = []
    unmeasured: list[str] = []
    for path in sorted(changed):
        file = measured.get(path)
        if file is None and path in never_run:
            file = FileCoverage(path, never_run[path], never_run[path])
        if file is None:
            if path.endswith(".py"):
                unmeasured.append(path)
            continue
        if path not in measured:
            unmeasured.append(path)
        lines = changed[path] & file.statements
        missing = tuple(sorted(lines & file.missing))
        total += len(lines)
        covered += len(lines) - len(missing)
        if missing:
            uncovered.append((path, missing))
    return DiffVerdict(
        base=base,
        lines=Ratio(covered, total),
        minimum=minimum,
        uncovered=tuple(uncovered),
        unmeasured=tuple(unmeasured),
    )
