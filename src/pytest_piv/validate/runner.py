"""Run a preset's steps in parallel, each with its time budget, and say what each found."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, NamedTuple

from pytest_piv.errors import PivError
from pytest_piv.tools import ToolMissingError
from pytest_piv.validate.findings import Finding

Verdict = Literal["pass", "fail", "timeout", "skip", "missing", "error"]
FAILING: frozenset[str] = frozenset({"fail", "timeout", "missing", "error"})


class StepResult(NamedTuple):
    """What one step concluded, in how long, and its findings."""

    name: str
    verdict: Verdict
    seconds: float
    findings: tuple[Finding, ...] = ()
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "seconds": round(self.seconds, 3),
            "findings": [f.as_dict() for f in self.findings],
            "detail": self.detail,
        }


def judged(failed: bool) -> Verdict:
    return "fail" if failed else "pass"


#: a step to run: its name, and a function of its time budget
StepCall = tuple[str, float, Callable[[float], StepResult]]


def _guarded(name: str, budget: float, call: Callable[[float], StepResult]) -> StepResult:
    started = time.perf_counter()
    try:
        return call(budget)
    except ToolMissingError as exc:
        return StepResult(name, "missing", time.perf_counter() - started, (), str(exc))
    except PivError as exc:
        return StepResult(name, "error", time.perf_counter() - started, (), str(exc))


def run_steps(steps: Sequence[StepCall], jobs: int) -> list[StepResult]:
    """Every step, up to ``jobs`` at a time; results in the order of ``steps``.

    A step's tool that is missing or a step that overruns its budget is a result, never
    an exception: the other steps still run and report.
    """
    if not steps:
        return []
    if jobs <= 1 or len(steps) == 1:
        return [_guarded(*step) for step in steps]
    with ThreadPoolExecutor(max_workers=min(jobs, len(steps))) as pool:
        futures = [pool.submit(_guarded, *step) for step in steps]
        return [f.result() for f in futures]


def exit_code(results: Sequence[StepResult]) -> int:
    """0 when nothing failed, 3 when a tool is missing, else 1."""
    if any(r.verdict == "missing" for r in results):
        return 3
    return 1 if any(r.verdict in FAILING for r in results) else 0
