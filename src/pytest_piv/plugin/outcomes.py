"""A tiny pytest plugin that writes each test's outcome to a JSON file.

``piv verify`` loads it (``-p pytest_piv.plugin.outcomes``, with piv itself off) to run a
proof's tests again on the same tree: a test whose outcome changes is flaky. The file is
named by the ``PIV_OUTCOMES_FILE`` environment variable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

_OUTCOMES = pytest.StashKey[dict[str, str]]()


@pytest.hookimpl
def pytest_configure(config: pytest.Config) -> None:
    config.stash[_OUTCOMES] = {}


class _Recorder:
    def __init__(self, outcomes: dict[str, str]) -> None:
        self.outcomes = outcomes

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        seen = self.outcomes.get(report.nodeid)
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.skipped and seen is None:
            self.outcomes[report.nodeid] = "skipped"
        elif report.when == "call" and seen is None:
            self.outcomes[report.nodeid] = "passed"


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.pluginmanager.register(
        _Recorder(session.config.stash[_OUTCOMES]), "piv-outcomes-recorder"
    )


@pytest.hookimpl
def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("PIV_OUTCOMES_FILE")
    if target:
        Path(target).write_text(json.dumps(session.config.stash[_OUTCOMES]), encoding="utf-8")
