"""Memory budgets: a test's peak (or leak), or the session's peak, against its limit.

Like the benchmark gate, a budget does not cry wolf: a first measurement over the limit
(plus the tolerance) is only *suspect*; the caller re-measures it in a fresh process and
the budget fails only if the re-measurement is over too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from pytest_piv.profiling.settings import ProfileSettings
from pytest_piv.profiling.units import format_bytes

Kind = Literal["peak", "leak", "session", "growth"]
#: a test's peak below this is never judged for growth (a few kB move with anything)
GROWTH_FLOOR = 1_000_000
Verdict = Literal["ok", "suspect", "over", "flaky"]
#: the subject of the session peak budget (and its key in a re-measurement's results)
SESSION = "the test session"


def allowed(limit: int, tolerance: float) -> int:
    """The most bytes a budget of ``limit`` lets through with ``tolerance`` (0.1 = 10 %)."""
    return int(limit * (1 + tolerance))


@dataclass(frozen=True)
class MemoryCheck:
    """One budget judged: what was measured, the limit and the verdict.

    ``suspect`` waits for a re-measurement; ``flaky`` was over once and within on the
    re-measurement (passes, reported); ``over`` failed.
    """

    subject: str
    kind: Kind
    measured: int
    limit: int
    tolerance: float
    remeasured: int | None = None

    @property
    def verdict(self) -> Verdict:
        budget = allowed(self.limit, self.tolerance)
        if self.measured <= budget:
            return "ok"
        if self.remeasured is None:
            return "suspect"
        return "over" if self.remeasured > budget else "flaky"

    @property
    def failed(self) -> bool:
        return self.verdict == "over"

    def message(self) -> str:
        """One sentence: what was measured, the budget, and how to look closer."""
        what = {
            "peak": "peak memory",
            "leak": "leaked memory",
            "session": "session peak",
            "growth": "peak memory",
        }
        seen = format_bytes(self.measured)
        if self.remeasured is not None:
            seen += f" (re-measured in a fresh process: {format_bytes(self.remeasured)})"
        budget = f"{format_bytes(self.limit)} + {self.tolerance * 100:g}%"
        if self.kind == "growth":
            budget = f"its last recorded peak {budget}"
        verdict = self.verdict
        if verdict == "ok":
            return f"{self.subject}: {what[self.kind]} {seen} is within {budget}"
        if verdict == "flaky":
            return (
                f"{self.subject}: {what[self.kind]} {seen} was over {budget} once only; not failed"
            )
        return f"{self.subject}: {what[self.kind]} {seen} is over the budget {budget}"


def check(
    subject: str, kind: Kind, measured: int, limit: int | None, tolerance: float
) -> MemoryCheck | None:
    """The check of one measurement, or None when no budget applies."""
    if limit is None:
        return None
    return MemoryCheck(subject, kind, measured, limit, tolerance)


def first_checks(
    tests: Mapping[str, Mapping[str, object]],
    settings: ProfileSettings,
    session_peak: int,
    baseline: Mapping[str, int],
) -> list[MemoryCheck]:
    """Every budget that applies, judged on the first measurements.

    ``tests`` maps a node id to its ``peak``, ``leaked`` and marker ``limit``; ``baseline``
    to its last recorded peak (judged for growth when ``max_growth`` is set). A session
    over its budget is suspect too: the caller re-runs the session's tests once.
    """
    tol = settings.tolerance
    checks: list[MemoryCheck] = []
    for nodeid, t in sorted(tests.items()):
        peak, leaked = int(str(t["peak"])), int(str(t["leaked"]))
        limit = t.get("limit") or settings.test_max_memory
        before = baseline.get(nodeid)
        growth = (
            check(nodeid, "growth", peak, before, settings.max_growth)
            if settings.max_growth is not None and before and before >= GROWTH_FLOOR
            else None
        )
        for found in (
            check(nodeid, "peak", peak, int(str(limit)) if limit else None, tol),
            check(nodeid, "leak", leaked, settings.max_leak, tol),
            growth,
        ):
            if found is not None:
                checks.append(found)
    whole = check(SESSION, "session", session_peak, settings.max_memory, tol)
    if whole is not None:
        checks.append(whole)
    return checks


def settle(
    checks: list[MemoryCheck], again: Mapping[str, Mapping[str, int]] | None
) -> list[MemoryCheck]:
    """Suspects with their re-measurement (``None``: not re-measured, the first stands)."""
    settled = []
    for c in checks:
        if c.verdict != "suspect":
            settled.append(c)
            continue
        fresh = (again or {}).get(c.subject, {})
        value = fresh.get("leaked" if c.kind == "leak" else "peak", c.measured)
        settled.append(replace(c, remeasured=int(value)))
    return settled


def suspects(checks: list[MemoryCheck]) -> list[str]:
    """The tests to re-measure (each on its own)."""
    return sorted({c.subject for c in checks if c.verdict == "suspect" and c.kind != "session"})


def session_suspect(checks: list[MemoryCheck]) -> bool:
    """Whether the session's peak waits for a re-run of the session's tests."""
    return any(c.kind == "session" and c.verdict == "suspect" for c in checks)
