"""How an RGR verdict reads in the terminal and in JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from pytest_piv.report.text import printable
from pytest_piv.rgr.phase import RunSummary
from pytest_piv.rgr.rules import TestVerdict, Verdict

PHASE_COLOURS = {
    "RED": {"red": True, "bold": True},
    "GREEN": {"green": True, "bold": True},
    "REFACTOR": {"cyan": True, "bold": True},
    "ADOPTED": {"green": True},
    "UNCHANGED": {},
    "INCOMPLETE": {"yellow": True, "bold": True},
    "REGRESSION": {"red": True, "bold": True},
    "VIOLATION": {"red": True, "bold": True},
    "FIXED": {"green": True, "bold": True},
    "ACCEPTED": {"green": True},
    "FAILING": {"yellow": True, "bold": True},
}


class Line(NamedTuple):
    text: str
    markup: dict[str, bool]


def nothing_reached(deselected: int) -> Line:
    """The run the reach selection emptied: it passes, and says why nothing ran."""
    tests = "test" if deselected == 1 else "tests"
    return Line(
        f"piv: no test reaches the change: {deselected} {tests} deselected by reach"
        " (they run nothing that changed)",
        {"green": True},
    )


def header(mode: str, policy: str, db: str) -> str:
    return printable(f"piv: rgr {mode}, policy {policy}, store {db}")


def summary_lines(
    summary: RunSummary,
    verdicts: Sequence[TestVerdict],
    *,
    mode: str,
    verbosity: int,
    notes: Sequence[str] = (),
) -> list[Line]:
    """The terminal summary of the RGR gate, shorter with ``-q``, longer with ``-v``."""
    lines = [Line(summary.line, PHASE_COLOURS.get(summary.phase, {}))]
    if summary.next_step and verbosity >= 0:
        lines.append(Line(f"  next: {summary.next_step}", {}))
    label = "violation" if mode == "enforce" else "warning (mode warn)"
    for text in summary.violations:
        lines.append(Line(f"  {label}: {text}", {"red": mode == "enforce", "yellow": True}))
    if verbosity >= 0:
        lines.extend(Line(f"  note: {text}", {}) for text in (*summary.notes, *notes))
    if verbosity > 0:
        for v in verdicts:
            if v.verdict is not Verdict.UNCHANGED or verbosity > 1:
                lines.append(Line(f"  {v.verdict.value:<16} {v.nodeid}", {}))
    return [Line(printable(line.text), line.markup) for line in lines]


def not_recorded(lines: Sequence[Line], error: str | None, *, mode: str) -> list[Line]:
    """*lines* with the news that the run could not be recorded (*error*: why, and the
    fix), on the phase line itself and on a line of its own, at every verbosity."""
    if not error:
        return list(lines)
    markup = {"red": True, "bold": True} if mode == "enforce" else {"yellow": True, "bold": True}
    label = "piv: NOT RECORDED" if mode == "enforce" else "piv: warning: NOT RECORDED"
    first, *rest = lines
    return [Line(f"{first.text} [NOT RECORDED]", markup), Line(f"{label} — {error}", markup), *rest]


def summary_json(summary: RunSummary, verdicts: Sequence[TestVerdict]) -> dict[str, object]:
    return {
        "phase": summary.phase,
        "headline": summary.headline,
        "next_step": summary.next_step,
        "violations": list(summary.violations),
        "notes": list(summary.notes),
        "tests": {v.nodeid: v.verdict.value for v in verdicts},
    }
