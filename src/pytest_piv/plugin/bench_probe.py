"""Registers the benchmark gate only in sessions that run a benchmark.

Most ``pytest --piv`` runs have no test that uses pytest-benchmark's ``benchmark`` fixture;
they should not pay for the gate's per-test hooks or its imports. The probe prints the
header line, remembers deselected items and, once
collection is finished, registers the real plugins (``plugin/bench.py``) if any collected
test uses ``benchmark``. An xdist controller collects nothing itself, so there the gate is
registered at once: it only reads the workers' reports to say that pytest-benchmark turned
itself off.
"""

from __future__ import annotations

import pytest

from pytest_piv.config import PivConfig
from pytest_piv.plugin.workers import under_xdist
from pytest_piv.values import format_percent

FIXTURE = "benchmark"


def uses_benchmark(item: pytest.Item) -> bool:
    return FIXTURE in getattr(item, "fixturenames", ())


class BenchProbe:
    def __init__(self, config: pytest.Config, piv: PivConfig) -> None:
        self.config = config
        self.piv = piv
        self.controller = not hasattr(config, "workerinput")
        self.deselected: set[str] = set()
        if self.controller and under_xdist(config):
            self._register(set())

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        settings = self.piv.bench
        return [
            f"piv: bench {settings.mode}, threshold {format_percent(settings.threshold)}"
            f", machine {settings.machine or 'fingerprint'}"
        ]

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected.update(i.nodeid for i in items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self.config.pluginmanager.has_plugin("piv-bench-evidence"):
            return
        if any(uses_benchmark(item) for item in session.items):
            self._register({item.nodeid for item in session.items})

    def _register(self, collected: set[str]) -> None:
        from pytest_piv.plugin.bench import BenchEvidence, BenchPlugin

        manager = self.config.pluginmanager
        manager.register(BenchEvidence(), "piv-bench-evidence")
        if self.controller:
            plugin = BenchPlugin(self.config, self.piv)
            plugin.collected = collected
            plugin.deselected = self.deselected
            manager.register(plugin, "piv-bench")
