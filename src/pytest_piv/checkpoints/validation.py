"""The one seam between checkpoints and validation.

:func:`validate` is all a checkpoint asks of validation. Until ``piv validate`` lands it
runs ``pytest --piv`` (this interpreter, in a subprocess, in the project root) and
``ruff check``, sharing one time budget; when ``piv validate`` lands, this function is
switched to it and nothing else in the package changes. A preset names which steps run.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_piv.errors import UsageError
from pytest_piv.tools import run_tool

#: which steps each preset runs
PRESETS: Mapping[str, tuple[str, ...]] = {
    "default": ("ruff", "tests"),
    "tests": ("tests",),
    "lint": ("ruff",),
}
DEFAULT_BUDGET_S = 600.0
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")


@dataclass(frozen=True)
class Step:
    """One validation step: its verdict, a short detail and how long it took."""

    name: str
    ok: bool
    detail: str
    seconds: float
    timed_out: bool = False

    @property
    def verdict(self) -> str:
        """``pass``, ``fail``, ``timeout`` or a count such as ``12/12``."""
        if self.timed_out:
            return "timeout"
        return (
            self.detail if self.name == "tests" and self.detail else ("pass" if self.ok else "fail")
        )


@dataclass(frozen=True)
class ValidationSummary:
    steps: tuple[Step, ...] = ()
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def trailer(self) -> str:
        """``ruff=pass tests=12/12``, or ``skipped``."""
        if self.skipped:
            return "skipped"
        return " ".join(f"{step.name}={step.verdict}" for step in self.steps)

    def lines(self) -> list[str]:
        if self.skipped:
            return ["Validation: skipped (--no-validate)"]
        found = [f"Validation: {'passed' if self.ok else 'FAILED'}"]
        for step in self.steps:
            state = "ok" if step.ok else ("timed out" if step.timed_out else "failed")
            found.append(f"  {step.name}: {state} ({step.detail}, {step.seconds:.1f} s)")
        return found

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "skipped": self.skipped,
            "steps": [
                {"name": s.name, "ok": s.ok, "detail": s.detail, "seconds": round(s.seconds, 3),
                 "timed_out": s.timed_out}
                for s in self.steps
            ],
        }  # fmt: skip


def validate(
    root: Path, preset: str = "default", budget: float = DEFAULT_BUDGET_S
) -> ValidationSummary:
    """Run the steps of *preset* in *root* within *budget* seconds in all."""
    if preset not in PRESETS:
        raise UsageError(
            f"--preset {preset!r}: unknown validation preset (expected one of "
            f"{', '.join(sorted(PRESETS))})"
        )
    deadline = time.monotonic() + budget
    steps = []
    for name in PRESETS[preset]:
        left = deadline - time.monotonic()
        if left <= 0:
            steps.append(Step(name, False, "no time left in the budget", 0.0, timed_out=True))
            continue
        steps.append(_STEPS[name](root, left))
    return ValidationSummary(tuple(steps))


def _ruff(root: Path, budget: float) -> Step:
    done = run_tool(["ruff", "check", "--quiet", "."], cwd=root, timeout=budget)
    problems = len([line for line in done.stdout.splitlines() if re.match(r"\S+:\d+:\d+:", line)])
    detail = (
        "clean" if done.ok else (f"{problems} problems" if problems else f"exit {done.returncode}")
    )
    return Step("ruff", done.ok, detail, done.seconds, done.timed_out)


def _tests(root: Path, budget: float) -> Step:
    done = run_tool(
        [sys.executable, "-m", "pytest", "--piv", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        timeout=budget,
    )
    counts: dict[str, int] = {}
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    for number, word in _COUNT.findall(tail[0]):
        counts[word.rstrip("s") if word.startswith("error") else word] = int(number)
    passed = counts.get("passed", 0) + counts.get("xpassed", 0)
    total = passed + counts.get("failed", 0) + counts.get("error", 0)
    no_tests = done.returncode == 5  # pytest: no tests collected
    ok = (done.returncode == 0 or no_tests) and not done.timed_out
    detail = f"{passed}/{total}" if counts or no_tests else f"exit {done.returncode}"
    return Step("tests", ok, detail, done.seconds, done.timed_out)


_STEPS = {"ruff": _ruff, "tests": _tests}
