"""``pytest --piv`` gates import time when ``[tool.piv.profile] import_modules`` is set.

Once per session, in the controller only (never in an xdist worker), after the tests:
each module is imported in ``import_runs`` fresh interpreters with ``-X importtime``
(:mod:`pytest_piv.profiling.imports`), judged against ``max_import_time`` and its stored
baseline, and re-measured before it fails, exactly as ``piv profile imports`` does. A
failure fails the run through the session (``N passed`` stays as it is) and names the
modules that cost the most. The verdicts go into the store, into a profile run's
``report.json`` (``piv profile show --json | --markdown``) and into the terminal summary.

Not in a CPU-profiled run: py-spy follows every child, the timing processes included.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_piv.config import PivConfig
from pytest_piv.profiling import runs
from pytest_piv.profiling.imports import ImportFailed, as_dict, judge_modules
from pytest_piv.report import profile as report
from pytest_piv.report.rgr import Line

#: the stable name of the profiling plugin whose run directory is shared, when it runs
PROFILE_PLUGIN = "piv-profile"


class ImportBudgetPlugin:
    """The import-time gate of one session (registered as ``piv-imports``)."""

    def __init__(self, config: pytest.Config, piv: PivConfig, *, skipped: str | None) -> None:
        self.config = config
        self.piv = piv
        self.skipped = skipped
        self.rows: list[dict[str, Any]] = []
        self.lines: list[Line] = []

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.skipped is not None:
            self.lines = [report.note(f"import-time budget not judged: {self.skipped}")]
            return
        if exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR):
            return
        if self.config.option.collectonly:  # nothing ran: nothing to gate
            return
        settings = self.piv.profile
        failed = 0
        try:
            checks = judge_modules(
                self.piv.db,
                settings.import_modules,
                settings,
                python=sys.executable,
                cwd=self.piv.root,
            )
        except ImportFailed as exc:
            self.lines = [Line(f"piv: {exc}", report.RED)]
            failed = 1
        except Exception as exc:  # the store could not answer: say so, judge nothing
            self.lines = [report.note(f"{self.piv.db}: import times not judged ({exc})")]
            return
        else:
            self.rows = [as_dict(c) for c in checks]
            failed = sum(c.failed for c in checks)
            self.lines = report.import_lines(self.rows, verbosity=self.config.get_verbosity())
            runs.merge_report(self._run(), {"imports": self.rows})
        if failed:
            session.testsfailed += failed
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _run(self) -> Path:
        """The profile run directory of this session (a new one when nothing profiles)."""
        profiler = self.config.pluginmanager.get_plugin(PROFILE_PLUGIN)
        run = getattr(profiler, "run", None)
        if isinstance(run, Path):
            return run
        path = runs.new_run(self.piv.root / self.piv.profile.dir)
        runs.merge_report(path, {"run": path.name})
        return path

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.lines:
            return
        terminalreporter.section("piv import time", sep="-")
        for line in self.lines:
            terminalreporter.write_line(line.text, **line.markup)
