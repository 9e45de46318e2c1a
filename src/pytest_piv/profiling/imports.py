"""Import-time budgets: how long ``import yourpkg`` takes in a fresh interpreter.

Each module is imported in several fresh processes with ``python -X importtime``; the
time kept is a low quantile of them (a busy neighbour only ever makes imports slower), and
when it fails, the modules of its import tree that cost the most on their own are named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class ImportCheck:
    """An import time judged against the budget and against the stored baseline."""

    measured: ImportTime
    limit: float | None
    baseline: float | None
    tolerance: float

    @property
    def over_budget(self) -> bool:
        return self.limit is not None and self.measured.seconds > self.limit

    @property
    def regressed(self) -> bool:
        return self.baseline is not None and self.measured.seconds > self.baseline * (
            1 + self.tolerance
        )

    @property
    def failed(self) -> bool:
        return self.over_budget or self.regressed

    def message(self) -> str:
        seen = f"import {self.measured.module} took {format_seconds(self.measured.seconds)}"
        why = []
        if self.over_budget and self.limit is not None:
            why.append(f"over the budget {format_seconds(self.limit)}")
        if self.regressed and self.baseline is not None:
            why.append(
                f"over the baseline {format_seconds(self.baseline)} + {self.tolerance * 100:g}%"
            )
        if not why:
            return f"{seen}, within its budget"
        top = ", ".join(f"{r.name} {format_seconds(r.own)}" for r in self.measured.top[:3])
        return f"{seen}, {' and '.join(why)} (most of it: {top})"
