"""From per-test verdicts to the phase of the whole run and its one-line headline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from pytest_piv.rgr.rules import (
    PENDING_RED,
    VIOLATIONS,
    LineCheck,
    TestVerdict,
    Verdict,
    format_lines,
)


class RunSummary(NamedTuple):
    phase: str
    headline: str
    next_step: str | None
    violations: tuple[str, ...]
    notes: tuple[str, ...]
    untested_lines: bool

    @property
    def line(self) -> str:
        return f"piv: {self.phase} — {self.headline}"


def _names(verdicts: Sequence[TestVerdict], limit: int = 3) -> str:
    shown = ", ".join(v.nodeid for v in verdicts[:limit])
    return shown + (", ..." if len(verdicts) > limit else "")


def _tests(n: int) -> str:
    return f"{n} test" + ("" if n == 1 else "s")


def summarize(
    verdicts: Sequence[TestVerdict],
    *,
    complete: bool,
    adopting: bool,
    source_changed: Sequence[str],
    green_sources: Sequence[str],
    line_check: LineCheck,
) -> RunSummary:
    """The phase of a run (RED, GREEN, REFACTOR, ...) and what to do next."""
    by: dict[Verdict, list[TestVerdict]] = {}
    for v in verdicts:
        by.setdefault(v.verdict, []).append(v)
    violations = [v.sentence() for v in verdicts if v.verdict in VIOLATIONS]
    notes = [v.sentence() for v in by.get(Verdict.WRONG_RED, [])]
    if chars := by.get(Verdict.CHARACTERIZATION):
        notes.append(
            f"{_tests(len(chars))} passed on arrival as characterization tests: " + _names(chars)
        )
    untested = bool(line_check.verified and line_check.untested)
    if untested and complete and not adopting:
        for path, lines in line_check.untested.items():
            violations.append(
                f"{path}: changed line(s) {format_lines(lines)} executed by no test; behaviour "
                "was added without a failing test (hint: write a failing test that needs "
                "them, or remove them)"
            )

    pending = [v for v in verdicts if v.verdict in PENDING_RED]
    greens = by.get(Verdict.GREEN, [])
    regressions = by.get(Verdict.REGRESSION, [])

    def result(phase: str, headline: str, next_step: str | None) -> RunSummary:
        return RunSummary(
            phase, headline, next_step, tuple(violations), tuple(notes), untested and complete
        )

    if not complete:
        return result(
            "INCOMPLETE",
            f"the run was interrupted; {_tests(len(verdicts))} recorded, no cycle completed",
            "run the tests to the end to complete a cycle",
        )
    if adopting:
        adopted = len(by.get(Verdict.ADOPTED, []))
        return result(
            "ADOPTED",
            f"{_tests(adopted)} recorded as the starting point; from now on a new or changed "
            "test must fail before it passes",
            None,
        )
    if pending:
        one = len(pending) == 1
        return result(
            "RED",
            f"{_tests(len(pending))} {'fails' if one else 'fail'} as expected "
            f"({_names(pending)}): make {'it' if one else 'them'} pass with the smallest change",
            None,
        )
    if regressions:
        return result(
            "REGRESSION",
            f"{_tests(len(regressions))} that passed before now "
            f"{'fails' if len(regressions) == 1 else 'fail'} ({_names(regressions)})",
            "fix the code under test or revert the change",
        )
    if greens:
        by_files = ", ".join(green_sources[:5]) + (", ..." if len(green_sources) > 5 else "")
        return result(
            "GREEN",
            f"cycle complete: {_tests(len(greens))} turned green"
            + (f" by {by_files}" if green_sources else " with no source change (flaky?)"),
            "refactor with the tests green, or write the next failing test",
        )
    if violations and not source_changed:
        return result("VIOLATION", f"{len(violations)} RGR violation(s)", None)
    if source_changed:
        n = len(source_changed)
        files = f"{n} source file" + ("" if n == 1 else "s") + " changed, outcomes unchanged"
        if not line_check.verified:
            return result("REFACTOR", f"{files}; unverified: {line_check.reason}", None)
        if untested:
            return result("REFACTOR", f"{files}, but some changed lines no test executes", None)
        return result("REFACTOR", f"{files}, every changed line executed", None)
    return result("UNCHANGED", "no test or source change since the last run", None)
