"""A before/after profile of every benchmark the gate judged regressed (``piv-bench``).

After the benchmark gate's verdicts (in the terminal summary, when they are final), each
regressed benchmark is run under py-spy at its baseline's commit (a throw-away worktree)
and in the working tree; the functions whose share of the benchmark's own time grew the
most are printed and both profiles kept under ``.piv/profiles/<run>/``. Turned off with
``[tool.piv.profile] on_regression = false``; skipped, with a note, where py-spy cannot run.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import pytest

from pytest_piv.config import PivConfig
from pytest_piv.errors import PivError
from pytest_piv.profiling import permissions
from pytest_piv.report import profile as report
from pytest_piv.report.rgr import Line

#: samples per second of each side (a short benchmark gives few samples at 100 Hz)
DIFF_RATE = 250
#: benchmarks profiled per run (each costs two short pytest runs under py-spy)
LIMIT = 3


class RegressionProfiler:
    """Profiles the regressed benchmarks on both sides (registered as ``piv-bench-profile``)."""

    def __init__(self, config: pytest.Config, piv: PivConfig) -> None:
        self.config = config
        self.piv = piv

    def _regressed(self) -> tuple[str, list[str]]:
        from pytest_piv.baselines.verdicts import Verdict

        bench = self.config.pluginmanager.get_plugin("piv-bench")
        comparisons = getattr(bench, "comparisons", [])
        names = [c.name for c in comparisons if c.verdict is Verdict.REGRESSED]
        return str(getattr(bench, "machine", "")), names

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        machine, names = self._regressed()
        if not names:
            return
        terminalreporter.section("piv profile: what got slower", sep="-")
        try:
            lines = self._profile(machine, names[:LIMIT])
        except PivError as exc:
            lines = [report.note(f"no before/after profile: {exc}")]
        for line in lines:
            terminalreporter.write_line(line.text, **line.markup)

    def _profile(self, machine: str, names: list[str]) -> list[Line]:
        blocker = permissions.check_pyspy(sys.executable, self.piv.profile.py_spy)
        if blocker is not None:
            return [report.note(f"no before/after profile: {blocker}")]
        from pytest_piv.baselines.remeasure import forwarded_options
        from pytest_piv.profiling.regression import before_after
        from pytest_piv.store import connect
        from pytest_piv.store.profile import baseline_head

        with contextlib.closing(connect(self.piv.db)) as conn:
            heads = {name: baseline_head(conn, machine, name) for name in names}
        root = self.piv.root
        settings = self.piv.profile
        lines: list[Line] = []
        for name, head in heads.items():
            if head is None:
                lines.append(report.note(f"{name}: its baseline has no commit to profile"))
                continue
            data = before_after(
                root,
                head,
                [name],
                root / settings.dir,
                python=sys.executable,
                extra=forwarded_options(self.config.invocation_params.args),
                rate=max(settings.rate, DIFF_RATE),
                tool=settings.py_spy,
                top=settings.top,
            )
            lines += report.terminal_lines(data)
        return lines
