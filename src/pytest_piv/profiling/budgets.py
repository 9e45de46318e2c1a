"""Memory budgets: a test's peak (or leak), or the session's peak, against its limit.

Like the benchmark gate, a budget does not cry wolf: a first measurement over the limit
(plus the tolerance) is only *suspect*; the caller re-measures it in a fresh process and
the budget fails only if the re-measurement is over too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pytest_piv.profiling.units import format_bytes

Kind = Literal["peak", "leak", "session"]
Verdict = Literal["ok", "suspect", "over", "flaky"]


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
        what = {"peak": "peak memory", "leak": "leaked memory", "session": "session peak"}
        seen = format_bytes(self.measured)
        if self.remeasured is not None:
            seen += f" (re-measured in a fresh process: {format_bytes(self.remeasured)})"
        budget = f"{format_bytes(self.limit)} + {self.tolerance * 100:g}%"
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
