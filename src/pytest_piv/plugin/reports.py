"""Reading pytest's reports: which outcome a phase report settles, the red kind a failing
report carries (attached where the exception lived, in an xdist worker or this process), and
how pytest names a subtest."""

from __future__ import annotations

import pytest

from pytest_piv.rgr.model import Outcome, Red, RedKind

#: the report attribute holding a failure's red kind as plain data (it travels from workers)
RED_ATTR = "piv_red"


class _NoSubtests(pytest.TestReport):
    """Stands for pytest.SubtestReport where pytest has none: no report is one."""


#: the report of one subtest (pytest >= 9); older pytest has no built-in subtests
SubtestReport: type[pytest.TestReport] = getattr(pytest, "SubtestReport", _NoSubtests)


def red_from_report(rep: pytest.TestReport | pytest.CollectReport) -> Red | None:
    data = getattr(rep, RED_ATTR, None)
    if not isinstance(data, dict):
        return None
    return Red(
        kind=RedKind(data["kind"]),
        path=data.get("path"),
        line=data.get("line"),
        message=str(data.get("message", "")),
        during=str(data.get("during", "call")),
    )


def subtest_name(report: pytest.TestReport) -> str:
    """A subtest as pytest names it: ``[msg] (n=2)``."""
    context = getattr(report, "context", None)
    msg, kwargs = getattr(context, "msg", None), getattr(context, "kwargs", None) or {}
    parts = [f"[{msg}]"] if msg is not None else []
    if kwargs:
        parts.append("(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")")
    return " ".join(parts) or "(<subtest>)"


def subtest_red(red: Red | None, description: str, failed: int) -> Red:
    """The red of a test whose subtests failed: the first failed subtest's, named."""
    which = f"subtest {description}" if failed == 1 else f"{failed} subtests, first {description}"
    if red is None:
        return Red(RedKind.ASSERTION, None, None, f"{which} failed")
    return red._replace(message=f"{which}: {red.message}")


def outcome_of(rep: pytest.TestReport) -> Outcome | None:
    """The test outcome this phase report settles, or None when the test goes on."""
    outcome = rep.outcome  # the attribute, not the properties: this runs for every test
    if rep.when == "call":
        if outcome == "passed":
            return Outcome.XPASSED if hasattr(rep, "wasxfail") else Outcome.PASSED
        if outcome == "skipped":
            return Outcome.XFAILED if hasattr(rep, "wasxfail") else Outcome.SKIPPED
        return Outcome.FAILED
    if rep.when == "setup":
        if outcome == "failed":
            return Outcome.ERROR
        if outcome == "skipped":
            return Outcome.XFAILED if hasattr(rep, "wasxfail") else Outcome.SKIPPED
        return None
    return Outcome.ERROR if outcome == "failed" else None
