"""The coverage gate's pytest shell, registered as ``piv-coverage`` in the controller.

It judges the run's coverage in ``pytest_sessionfinish`` (after pytest-cov or
``piv-measure`` has finished tracing), turns a failed gate into exit status 1 without
touching the tests' own outcome line, writes ``.piv/coverage.json`` (and Markdown when
configured or when ``GITHUB_STEP_SUMMARY`` is set), and renders once in the terminal
summary. A rule that cannot apply (no match, a tie, a branch minimum on line data) makes
the run a usage error (exit 4) with one line naming the rule.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pytest_piv.config import PivConfig
from pytest_piv.coverage.check import evaluate, measure_source
from pytest_piv.coverage.gate import CoverageVerdict, Scope
from pytest_piv.coverage.measured import RootRelative, coverage_warnings
from pytest_piv.coverage.settings import DEFAULT_JSON_REPORT
from pytest_piv.errors import PivError, UsageError
from pytest_piv.plugin.measure import PLUGIN_NAME, MeasurePlugin
from pytest_piv.plugin.scope import known_test_files, run_scope
from pytest_piv.report import coverage as report
from pytest_piv.report.text import printable
from pytest_piv.store.coverage_cache import open_facts_cache


class CoverageGatePlugin:
    """Judges the run's coverage against ``[tool.piv.coverage]``."""

    def __init__(self, config: pytest.Config, piv: PivConfig) -> None:
        self.config = config
        self.piv = piv
        self.settings = piv.coverage
        self.deselected = 0
        self.verdict: CoverageVerdict | None = None
        self.error: str | None = None
        self.skipped: str | None = None
        self.tests_failed = False
        #: every file this run of the gate wrote or changed, as "path (what)"
        self.written: list[str] = []

    def _measure(self) -> MeasurePlugin | None:
        plugin = self.config.pluginmanager.get_plugin(PLUGIN_NAME)
        return plugin if isinstance(plugin, MeasurePlugin) else None

    def pytest_report_header(self, config: pytest.Config) -> str:
        rules = len(self.settings.rules)
        measure = self._measure()
        source = measure.source() if measure is not None else "-"
        branch = "lines and branches" if self.settings.measure_branches else "lines"
        return f"piv: coverage gate: {rules} rules + default, {branch}, measured by {source}"

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    def _scope(self) -> Scope:
        tests = known_test_files(self.config)
        scope, _ = run_scope(self.config, self.piv.root, self.deselected, tests)
        if scope == "full":
            return "whole"
        return "subset-targeted" if self.settings.subset == "targeted" else "subset-report"

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            return
        if self.config.option.collectonly:
            return
        self.tests_failed = exitstatus == pytest.ExitCode.TESTS_FAILED
        measure = self._measure()
        if measure is not None and measure.role == "off":
            self.skipped = "--no-cov turned measurement off"
            return
        cov = measure.coverage() if measure is not None else None
        if cov is None:
            self.error = "no coverage data was measured in this run"
            return
        cache = open_facts_cache(self.piv.db)
        warned = measure.warnings if measure is not None else []
        try:
            with coverage_warnings(warned):
                measurement = measure_source(self.piv, cov.get_data(), cov, cache=cache)
                verdict = evaluate(
                    self.piv,
                    measurement,
                    scope=self._scope(),
                    env=os.environ,
                    reached=self._reached(measure),
                )
            notes = (*verdict.notes, *(f"coverage.py warned: {w}" for w in warned))
            self.verdict = replace(verdict, notes=notes)
            if measure is not None and measure.data_file is not None:
                self.written.append(f"{self._shown(measure.data_file)} (coverage data)")
            self._write_reports(self.verdict)
        except PivError as exc:
            self.error = str(exc)
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        finally:
            if cache is not None:
                cache.close()
                self.written.append(f"{self._shown(self.piv.db)} (store)")
        if self.verdict.failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _reached(self, measure: MeasurePlugin | None) -> frozenset[str] | None:
        files = measure.reached() if measure is not None else None
        if files is None:
            return None
        relative = RootRelative(self.piv.root)
        paths = (relative(f) for f in files)
        return frozenset(p for p in paths if p is not None)

    def _shown(self, path: Path) -> str:
        """``path`` as the report names it: relative to the root when inside it."""
        path = path if path.is_absolute() else self.piv.root / path
        root = self.piv.root.resolve()
        resolved = path.resolve()
        return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(path)

    def _write_reports(self, verdict: CoverageVerdict) -> None:
        root = self.piv.root
        markdown = report.to_markdown(verdict, self.settings)
        data = json.dumps(report.to_json(verdict, self.settings), indent=2, sort_keys=True)
        for key, name, text in (
            ("json", self.settings.json_report, data + "\n"),
            ("markdown", self.settings.markdown_report, markdown),
        ):
            if not name:
                continue
            path = root / name
            try:
                if name == DEFAULT_JSON_REPORT:
                    path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(
                    f"[tool.piv.coverage] {key} = {name!r}: cannot write the report "
                    f"({exc.strerror})"
                ) from None
            self.written.append(f"{self._shown(path)} (verdict)")
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with Path(summary).open("a", encoding="utf-8") as stream:
                stream.write(markdown)
            self.written.append(f"{self._shown(Path(summary))} (appended)")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.skipped is not None:
            terminalreporter.section("piv coverage", sep="-")
            terminalreporter.write_line(f"piv: coverage gate not run: {self.skipped}", yellow=True)
            return
        if self.verdict is None and self.error is None:
            return
        terminalreporter.section("piv coverage", sep="-")
        if self.verdict is None:
            terminalreporter.write_line(
                f"piv: coverage gate error: {printable(self.error)}", red=True
            )
            return
        measure = self._measure()
        if measure is not None:
            core = measure.core_name()
            suffix = f", core {core}" if core else ""
            terminalreporter.write_line(f"measured by {measure.source()}{suffix}")
        lines = report.terminal_lines(self.verdict, self.settings, self.config.get_verbosity())
        for line in lines:
            terminalreporter.write_line(line.text, **line.markup)
        outcome = report.outcome_line(self.verdict, self.tests_failed)
        terminalreporter.write_line(outcome.text, **outcome.markup)
        if self.written:
            terminalreporter.write_line(report.written_line(self.written))
