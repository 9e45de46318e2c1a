"""The one seam between checkpoints and validation: ``piv validate``.

:func:`validate` runs ``piv validate --changed --json`` (this interpreter, in a subprocess,
in the project root) with the configured preset, or the one asked for, under one time
budget for the whole validation: what the checkpoint commits is exactly what changed
since HEAD, and the same steps, presets and exit codes as the command and the hooks apply.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from pytest_piv.checkpoints.settings import DEFAULT_BUDGET_S
from pytest_piv.errors import UsageError
from pytest_piv.report.text import printable
from pytest_piv.tools import ToolMissingError, run_tool
from pytest_piv.validate.findings import Finding

#: findings listed under a failed step; the rest are counted
SHOWN_FINDINGS = 10
#: ``piv validate``'s own exit codes: usage error, a tool missing
_USAGE, _MISSING = 2, 3


@dataclass(frozen=True)
class Step:
    """One validation step: its verdict, a short detail and how long it took."""

    name: str
    ok: bool
    detail: str
    seconds: float
    timed_out: bool = False

    #: what ``piv validate`` said of the step: pass, fail, skip, timeout, missing, error
    state: str = ""
    #: its findings, one ``path:line:col: code message`` line each
    findings: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        """``pass``, ``fail``, ``skip``, ``timeout``, ...: the trailer's word for the step."""
        if self.timed_out:
            return "timeout"
        return self.state or ("pass" if self.ok else "fail")


@dataclass(frozen=True)
class ValidationSummary:
    steps: tuple[Step, ...] = ()
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def trailer(self) -> str:
        """``ruff-check=pass ruff-format=pass pytest=pass``, or ``skipped``."""
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
            found += [f"    {finding}" for finding in step.findings[:SHOWN_FINDINGS]]
            if len(step.findings) > SHOWN_FINDINGS:
                more = len(step.findings) - SHOWN_FINDINGS
                found.append(f"    ... and {more} more (piv validate --changed shows them all)")
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
    root: Path, preset: str | None = None, budget: float = DEFAULT_BUDGET_S
) -> ValidationSummary:
    """Run ``piv validate`` on what changed since HEAD within *budget* seconds in all."""
    argv = [sys.executable, "-m", "pytest_piv", "validate", "--changed", "--json"]
    if preset is not None:
        argv += ["--preset", preset]
    done = run_tool(argv, cwd=root, timeout=budget)
    if done.timed_out:
        why = f"over the {budget:g} s validation budget"
        return ValidationSummary((Step("validate", False, why, done.seconds, timed_out=True),))
    last = (done.stderr.strip().splitlines() or [""])[-1].removeprefix("piv: error: ")
    if done.returncode == _USAGE:
        raise UsageError(last or f"piv validate: usage error (exit {done.returncode})")
    try:
        report = json.loads(done.stdout)
        steps = report["steps"]
    except (ValueError, KeyError, TypeError):
        if done.returncode == _MISSING:
            raise _missing(last) from None
        detail = f"piv validate exit {done.returncode}: {last}".rstrip(": ")
        return ValidationSummary((Step("validate", False, detail, done.seconds),))
    if done.returncode == _MISSING:
        missing = [s.get("detail") for s in steps if s.get("verdict") == "missing"]
        raise _missing(str(missing[0] if missing and missing[0] else last))
    return ValidationSummary(
        tuple(
            Step(
                name=str(s["name"]),
                ok=s["verdict"] in ("pass", "skip"),
                detail=_detail(s),
                seconds=float(s["seconds"]),
                timed_out=s["verdict"] == "timeout",
                state=str(s["verdict"]),
                findings=_findings(s),
            )
            for s in steps
        )
    )


def _missing(message: str) -> ToolMissingError:
    """``piv validate``'s missing-tool line (``ruff is not installed ...``) as the error."""
    return ToolMissingError(message.split(" ", 1)[0] or "a validation tool")


def _findings(step: dict[str, object]) -> tuple[str, ...]:
    """The step's findings as ``piv validate`` prints them: ``path:line:col: code message``."""
    findings = step.get("findings")
    if not isinstance(findings, list):
        return ()
    rows = []
    for row in findings:
        try:
            finding = Finding(**row) if isinstance(row, dict) else None
        except TypeError:
            finding = None
        rows.append(printable(finding.render() if finding else row))
    return tuple(rows)


def _detail(step: dict[str, object]) -> str:
    findings = step.get("findings")
    count = len(findings) if isinstance(findings, list) else 0
    detail = str(step.get("detail") or "")
    if count:
        return f"{count} finding{'' if count == 1 else 's'}" + (f"; {detail}" if detail else "")
    return detail or str(step.get("verdict"))
