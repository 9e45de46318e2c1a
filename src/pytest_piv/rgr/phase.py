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
    full_scope: bool = True,
) -> RunSummary:
    """The phase of a run (RED, GREEN, REFACTOR, ...) and what to do next.

    The headline names what happened; a phase that is not itself a violation says when
    the run also broke a rule, so that the line alone never reads as a clean run.
    """
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
        n = len(violations)
        if phase == "REFACTOR" and untested:  # the headline names the untested lines
            n -= len(line_check.untested)
        if n > 0 and phase not in ("VIOLATION", "REGRESSION", "INCOMPLETE", "ADOPTED"):
            headline += f"; {n} RGR violation" + ("" if n == 1 else "s")
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
        failing = by.get(Verdict.FAILING_AT_ADOPTION, [])
        before = f", {len(failing)} failing before adoption ({_names(failing)})" if failing else ""
        return result(
            "ADOPTED",
            f"{_tests(adopted)} recorded as the starting point{before}; from now on a new or "
            "changed test must fail before it passes",
            "a test failing before adoption is judged again once it passes" if failing else None,
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
    by_files = ", ".join(green_sources[:5]) + (", ..." if len(green_sources) > 5 else "")
    by_what = f" by {by_files}" if green_sources else " with no source change (flaky?)"
    fixed = by.get(Verdict.FIXED, [])
    if greens:
        also = f", and {_tests(len(fixed))} that failed pass again" if fixed else ""
        return result(
            "GREEN",
            f"cycle complete: {_tests(len(greens))} turned green{by_what}{also}",
            "refactor with the tests green, or write the next failing test",
        )
    if fixed:
        one = len(fixed) == 1
        return result(
            "FIXED",
            f"{_tests(len(fixed))} that failed {'passes' if one else 'pass'} again "
            f"({_names(fixed)}){by_what}",
            None,
        )
    if violations and not source_changed:
        return result("VIOLATION", f"{len(violations)} RGR violation(s)", None)
    if wrong := by.get(Verdict.WRONG_RED):
        one = len(wrong) == 1
        return result(
            "FAILING",
            f"{_tests(len(wrong))} {'fails' if one else 'fail'} for a reason that does not count "
            f"as red ({_names(wrong)}): see the note",
            "make the new test fail on the behaviour you are about to build",
        )
    if source_changed:
        n = len(source_changed)
        files = f"{n} source file" + ("" if n == 1 else "s") + " changed, outcomes unchanged"
        if not full_scope:
            return result(
                "REFACTOR",
                f"{files} in this subset run; the next full run judges it",
                "run the whole suite to verify the refactor",
            )
        if not line_check.verified:
            return result("REFACTOR", f"{files}; unverified: {line_check.reason}", None)
        if untested:
            return result("REFACTOR", f"{files}, but some changed lines no test executes", None)
        return result("REFACTOR", f"{files}, every changed line executed", None)
    if chars:
        one = len(chars) == 1
        what = "a characterization test" if one else "characterization tests"
        return result(
            "ACCEPTED",
            f"{_tests(len(chars))} accepted as {what} "
            f"({_names(chars)}): pinning existing behaviour, {'it' if one else 'they'} may pass "
            "without a red run",
            None,
        )
    if moved := by.get(Verdict.MOVED):
        return result(
            "UNCHANGED",
            f"{_tests(len(moved))} moved or renamed with {'its' if len(moved) == 1 else 'their'} "
            "history; no other test or source change",
            None,
        )
    return result("UNCHANGED", "no test or source change since the last run", None)
