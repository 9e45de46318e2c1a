"""Import-time budgets: how long ``import yourpkg`` takes in a fresh interpreter.

Each module is imported in several fresh processes with ``python -X importtime``; the
time kept is a low quantile of them (a busy neighbour only ever makes imports slower), and
when it fails, the modules of its import tree that cost the most on their own are named.
"""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from pytest_piv.profiling.settings import ProfileSettings
from pytest_piv.profiling.units import format_seconds
from pytest_piv.tools import run_tool

_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")
TIMEOUT_S = 120.0
QUANTILE = 0.25


@dataclass(frozen=True)
class ImportRow:
    """One module of an ``-X importtime`` report: its own and cumulative seconds."""

    name: str
    own: float
    cumulative: float
    depth: int


class ImportFailed(Exception):
    """The module could not be imported at all (the line of the error)."""


def parse_importtime(stderr: str) -> list[ImportRow]:
    """The rows of ``-X importtime`` output, in the order Python printed them."""
    rows: list[ImportRow] = []
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if match:
            own, cumulative, indent, name = match.groups()
            depth = max(0, (len(indent) - 1) // 2)
            rows.append(ImportRow(name, int(own) / 1e6, int(cumulative) / 1e6, depth))
    return rows


def subtree(rows: Sequence[ImportRow], module: str) -> list[ImportRow]:
    """The rows ``import module`` caused: the module's top-level row and the deeper rows
    printed just before it (Python prints a module after everything it imported)."""
    for index in range(len(rows) - 1, -1, -1):
        if rows[index].name == module and rows[index].depth == 0:
            tree = [rows[index]]
            for row in reversed(rows[:index]):
                if row.depth == 0:
                    break
                tree.append(row)
            return tree
    return []


@dataclass(frozen=True)
class ImportTime:
    """One module's import time (the low quantile over ``runs``) and what it cost most."""

    module: str
    seconds: float
    runs: tuple[float, ...]
    top: tuple[ImportRow, ...]


def low_quantile(values: Sequence[float], q: float = QUANTILE) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def measure(
    module: str,
    runs: int,
    *,
    python: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    top: int = 5,
) -> ImportTime:
    """Import ``module`` in ``runs`` fresh interpreters; raises ImportFailed if it cannot."""
    times: list[float] = []
    trees: list[list[ImportRow]] = []
    for _ in range(runs):
        done = run_tool(
            [python, "-X", "importtime", "-c", f"import {module}"],
            cwd=cwd,
            env=env,
            timeout=TIMEOUT_S,
        )
        tree = subtree(parse_importtime(done.stderr), module)
        if not done.ok or not tree:
            errors = [ln for ln in done.stderr.splitlines() if not ln.startswith("import time:")]
            raise ImportFailed(errors[-1].strip() if errors else f"exit {done.returncode}")
        times.append(tree[0].cumulative)
        trees.append(tree)
    chosen = low_quantile(times)
    tree = trees[times.index(chosen)]
    heaviest = sorted(tree, key=lambda r: (-r.own, r.name))[:top]
    return ImportTime(module, chosen, tuple(times), tuple(heaviest))


Verdict = Literal["ok", "over", "flaky"]


@dataclass(frozen=True)
class ImportCheck:
    """An import time judged against the budget and against the stored baseline.

    Like the memory budgets, it does not cry wolf: a first time over is re-measured in
    fresh processes (``remeasured``) and fails only when the re-measurement is over too;
    over once only is ``flaky`` and passes.
    """

    measured: ImportTime
    limit: float | None
    baseline: float | None
    tolerance: float
    remeasured: ImportTime | None = None

    def _over_budget(self, seconds: float) -> bool:
        return self.limit is not None and seconds > self.limit

    def _regressed(self, seconds: float) -> bool:
        return self.baseline is not None and seconds > self.baseline * (1 + self.tolerance)

    @property
    def final(self) -> ImportTime:
        """The measurement the verdict rests on (the re-measurement when there is one)."""
        return self.remeasured or self.measured

    @property
    def over_budget(self) -> bool:
        return self._over_budget(self.final.seconds)

    @property
    def regressed(self) -> bool:
        return self._regressed(self.final.seconds)

    @property
    def verdict(self) -> Verdict:
        first = self.measured.seconds
        if not (self._over_budget(first) or self._regressed(first)):
            return "ok"
        if self.remeasured is None or self.over_budget or self.regressed:
            return "over"
        return "flaky"

    @property
    def failed(self) -> bool:
        return self.verdict == "over"

    def _reasons(self, seconds: float) -> list[str]:
        why = []
        if self._over_budget(seconds) and self.limit is not None:
            why.append(f"the budget {format_seconds(self.limit)}")
        if self._regressed(seconds) and self.baseline is not None:
            why.append(f"the baseline {format_seconds(self.baseline)} + {self.tolerance * 100:g}%")
        return why

    def message(self) -> str:
        seen = f"import {self.measured.module} took {format_seconds(self.measured.seconds)}"
        if self.remeasured is not None:
            seen += f" (re-measured in fresh processes: {format_seconds(self.remeasured.seconds)})"
        verdict = self.verdict
        if verdict == "ok":
            budget = "" if self.limit is None else f" {format_seconds(self.limit)}"
            return f"{seen}, within its budget{budget}"
        if verdict == "flaky":
            was = " and ".join(self._reasons(self.measured.seconds))
            return f"{seen}, was over {was} once only; not failed"
        top = ", ".join(f"{r.name} {format_seconds(r.own)}" for r in self.final.top[:3])
        over = " and over ".join(self._reasons(self.final.seconds))
        return f"{seen}, over {over} (most of it: {top})"


def judge(
    module: str,
    *,
    limit: float | None,
    baseline: float | None,
    tolerance: float,
    runs: int,
    remeasure: bool,
    python: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    top: int = 5,
) -> ImportCheck:
    """Time ``module`` and judge it; a time over is re-measured (``remeasure``) before it
    counts. Raises :class:`ImportFailed` when the module cannot be imported."""
    check = ImportCheck(
        measure(module, runs, python=python, cwd=cwd, env=env, top=top), limit, baseline, tolerance
    )
    if check.failed and remeasure:
        again = measure(module, runs, python=python, cwd=cwd, env=env, top=top)
        check = replace(check, remeasured=again)
    return check


def machine_key() -> str:
    """Import times are compared on one machine and Python only."""
    return f"{platform.node()}/python{platform.python_version()}"


def as_dict(check: ImportCheck) -> dict[str, object]:
    """One verdict as the JSON reports keep it."""
    return {
        "module": check.measured.module,
        "seconds": check.measured.seconds,
        "runs": list(check.measured.runs),
        "remeasured": None if check.remeasured is None else check.remeasured.seconds,
        "limit": check.limit,
        "baseline": check.baseline,
        "verdict": "failed" if check.failed else check.verdict,
        "top": [{"module": r.name, "own": r.own} for r in check.final.top],
        "message": check.message(),
    }


def judge_modules(
    db: Path,
    modules: Sequence[str],
    settings: ProfileSettings,
    *,
    python: str,
    cwd: Path,
    record: bool = True,
) -> list[ImportCheck]:
    """Judge each module against ``max_import_time`` and its baseline in the store (the
    median of its last passing times on this machine); keep the times as history unless
    ``record`` is false. Raises :class:`ImportFailed` (naming the module) when one cannot
    be imported. ``piv profile imports`` and ``pytest --piv`` both gate through this."""
    from pytest_piv.store import connect
    from pytest_piv.store.profile import import_baseline, record_import

    machine = machine_key()
    conn = connect(db)
    checks: list[ImportCheck] = []
    try:
        for name in modules:
            try:
                check = judge(
                    name,
                    limit=settings.max_import_time,
                    baseline=import_baseline(conn, machine, name),
                    tolerance=settings.import_tolerance,
                    runs=settings.import_runs,
                    remeasure=settings.remeasure,
                    python=python,
                    cwd=cwd,
                )
            except ImportFailed as exc:
                raise ImportFailed(f"import {name} failed: {exc}") from None
            checks.append(check)
            if record:
                record_import(conn, machine, name, check.final.seconds, not check.failed)
    finally:
        conn.close()
    return checks
