"""Per-test memory tracking with memray, in every process that runs tests.

:class:`MemoryTracker` runs each test's ``runtest`` (the test function, or a unittest
method) inside a ``memray.Tracker``, entered in a plain function rather than in a hook
generator (memray shadows the Python stack from where it starts), and attaches what it
saw to the test's report as the user property ``piv_memory``, which xdist carries to the
controller. Loaded on its own with ``-p pytest_piv.plugin.memory_probe`` and
``PIV_PROFILE_REMEASURE=<file>`` set, it is the fresh process a test over its memory
budget is re-measured in: it writes ``{nodeid: {"peak": .., "leaked": ..}}`` to the file.
With ``PIV_PROFILE_REMEASURE_SESSION=1`` too, it re-runs a whole session whose peak was
over its budget: every process (xdist workers too) tracks its tests as the first run did,
and the file gets the session's peak resident memory under :data:`SESSION` (summed over
the workers, as the first run measured it).
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_piv.errors import ConfigError
from pytest_piv.plugin.session_rss import (
    SESSION_ENV,
    ControllerRss,
    WorkerRss,
)
from pytest_piv.profiling import memray_backend
from pytest_piv.profiling.budgets import SESSION
from pytest_piv.profiling.settings import parse_marker_limit

REMEASURE_ENV = "PIV_PROFILE_REMEASURE"
PROPERTY = "piv_memory"
#: rows of each site table a test sends to the controller
SITE_ROWS = 50


def _rows(sites: Any) -> list[list[object]]:
    """The top sites, without this module's own wrapper frame."""
    mine = [s for s in sites if s.file != __file__]
    return [[s.function, s.file, s.line, s.size, s.count] for s in mine[:SITE_ROWS]]


class MemoryTracker:
    """Track each test's memory; keep captures in ``captures``."""

    def __init__(self, captures: Path, prefix: str, *, keep: bool = True) -> None:
        self.captures = captures
        self.prefix = prefix
        self.keep = keep
        self.counter = itertools.count()
        self.seen: dict[str, dict[str, int]] = {}
        captures.mkdir(parents=True, exist_ok=True)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            marker = item.get_closest_marker("piv_memory")
            limit = (
                parse_marker_limit(
                    marker.kwargs.get("limit", marker.args[0] if marker.args else None),
                    item.nodeid,
                )
                if marker is not None
                else None
            )
        except ConfigError as exc:
            pytest.fail(f"piv: {exc}", pytrace=False)
        capture = self.captures / f"{self.prefix}-{next(self.counter)}.bin"
        # the test's own runtest (a function, a unittest method, a plugin's item) runs
        # inside the tracker; an instance attribute shadows the method for this call
        item.runtest = _tracked(item.runtest, capture)  # type: ignore[method-assign]
        try:
            return (yield)
        finally:
            del item.runtest
            if capture.is_file():
                self._keep(item, capture, limit)

    def _keep(self, item: pytest.Item, capture: Path, limit: int | None) -> None:
        profile = memray_backend.read(capture)
        self.seen[item.nodeid] = {"peak": profile.peak, "leaked": profile.leaked}
        if not self.keep:  # a re-measurement needs the figures only
            capture.unlink(missing_ok=True)
        item.user_properties.append(
            (
                PROPERTY,
                {
                    "peak": profile.peak,
                    "leaked": profile.leaked,
                    "limit": limit,
                    "capture": str(capture),
                    "at_peak": _rows(profile.at_peak),
                    "allocated": _rows(profile.allocated),
                },
            )
        )


def _tracked(runtest: Callable[[], None], capture: Path) -> Callable[[], None]:
    def tracked() -> None:
        with memray_backend.track(capture):
            runtest()

    return tracked


class _Remeasure(ControllerRss):
    """The fresh process of a re-measurement: write what each test peaked at (and, for a
    session, the session's peak)."""

    def __init__(self, tracker: MemoryTracker, out: Path, *, session: bool) -> None:
        self.tracker = tracker
        self.out = out
        self.session = session
        self.worker_rss: list[int] = []

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        seen: dict[str, dict[str, int]] = dict(self.tracker.seen)
        if self.session:
            peak = self.session_peak()
            seen[SESSION] = {"peak": peak, "leaked": 0}
        self.out.write_text(json.dumps(seen), encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    """Only when this module is loaded on its own, as the re-measuring process."""
    out = os.environ.get(REMEASURE_ENV)
    worker = hasattr(config, "workerinput")
    session = bool(os.environ.get(SESSION_ENV))
    if not out or (worker and not session):
        return
    config.addinivalue_line("markers", "piv_memory(limit): this test's memory budget")
    scratch = Path(tempfile.mkdtemp(prefix="piv-remeasure-"))
    prefix = str(getattr(config, "workerinput", {}).get("workerid", "remeasure"))
    tracker = MemoryTracker(scratch, prefix, keep=False)
    config.pluginmanager.register(tracker, "piv-memory-remeasure")
    if worker:
        config.pluginmanager.register(WorkerRss(config), "piv-memory-remeasure-worker")
        return
    remeasure = _Remeasure(tracker, Path(out), session=session)
    config.pluginmanager.register(remeasure, "piv-memory-remeasure-out")
