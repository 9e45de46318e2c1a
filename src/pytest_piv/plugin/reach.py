"""Per-test reach: record which source files each test runs, and run only the tests a
change can affect (``rgr.reach = "record"`` / ``"select"``, registered as ``piv-reach``).

Recording uses :func:`sys.setprofile` for the tests whose reach is unknown, was recorded
while they failed, or whose module changed: each Python call's code object is kept, and
mapped to its file once, after the test. On Python 3.11 any profile or trace function
slows every call (the interpreter leaves its fast path), so only those tests pay; the
others run at full speed. Calls made in other threads are not seen.

Selection compares the tree with what the ledger last saw (:mod:`pytest_piv.rgr.reach`
has the rules) and deselects the tests that run nothing that changed. The ledger records
such a run with scope ``reach``: like a full run, it judges a refactor and records the
source files, since every test that runs a changed file ran; unlike a full run, it forgets
no test it did not see. Under xdist the workers collect, so nothing is selected there
(the whole suite runs) and nothing is recorded.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Generator
from pathlib import Path
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

import pytest

from pytest_piv.plugin.workers import under_xdist
from pytest_piv.report.rgr import nothing_reached, reach_off_under_xdist
from pytest_piv.rgr.digests import frame_digest, function_digests, split_test_nodeid
from pytest_piv.rgr.reach import (
    Reach,
    Selection,
    changed_functions,
    function_of,
    module_level_changes,
    select_tests,
    should_record,
)
from pytest_piv.store import reach as reach_store

if TYPE_CHECKING:
    from pytest_piv.plugin.rgr import RgrPlugin

PLUGIN_NAME = "piv-reach"


class ReachPlugin:
    def __init__(self, config: pytest.Config, rgr: RgrPlugin, select: bool) -> None:
        self.config = config
        self.rgr = rgr
        self.select = select
        self.selection: Selection | None = None
        self.deselected = 0
        self.known: dict[str, Reach] = {}
        self.changed_tests: frozenset[str] = frozenset()
        self.edited: dict[str, frozenset[str]] = {}
        self.recorded: dict[str, Reach] = {}
        self.failed: set[str] = set()
        self.calls: set[CodeType] = set()
        self.paths: dict[str, str | None] = {}
        self.emptied = False

    def changed(self) -> dict[str, str | None]:
        """The test and source files that differ from what the ledger last saw."""
        tree = self.rgr.tree
        seen: dict[str, tuple[str | None, str]] = {
            row[0]: (row[1], row[2]) for row in self.rgr.start.rows.files
        }
        out: dict[str, str | None] = {}
        for path, digest in tree.files.items():
            if (path not in seen) or seen[path][0] != digest:
                out[path] = tree.roles.get(path)
        for path, (gone, role) in seen.items():
            if gone is not None and path not in tree.files:
                out[path] = role
        return out

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        try:
            self.known = reach_store.load_reach(self.rgr.conn)
        except sqlite3.Error:
            self.known = {}
        changed = self.changed()
        self.changed_tests = frozenset(p for p, role in changed.items() if role == "test")
        old = self._old_texts(changed)
        self.edited = self._edited(items, changed, old)
        if not self.select:
            return
        module_level, functions = self._source_changes(changed, old)
        self.selection = select_tests(
            [i.nodeid for i in items],
            changed,
            self.known,
            self.edited,
            module_level=module_level,
            functions=functions,
        )
        chosen = self.selection.tests
        if chosen is None:
            return
        kept = [i for i in items if i.nodeid in chosen]
        dropped = [i for i in items if i.nodeid not in chosen]
        if dropped:
            self.deselected = len(dropped)
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept

    def _old_texts(self, changed: dict[str, str | None]) -> dict[str, str]:
        """The text the ledger last saw of each changed test and source file it knew."""
        before = {row[0]: row[1] for row in self.rgr.start.rows.files}
        digests = {
            path: digest
            for path, role in changed.items()
            if role in ("test", "source") and (digest := before.get(path)) is not None
        }
        texts = self.rgr.contents(digests.values())
        return {path: texts[d] for path, d in digests.items() if d in texts}

    def _edited(
        self, items: list[pytest.Item], changed: dict[str, str | None], old: dict[str, str]
    ) -> dict[str, frozenset[str]]:
        """For each changed test module whose change is only in its test functions, the
        node ids of the functions added or changed (decorators count)."""
        by_module: dict[str, list[str]] = {}
        for item in items:
            by_module.setdefault(item.nodeid.split("::", 1)[0], []).append(item.nodeid)
        edited: dict[str, frozenset[str]] = {}
        for path, role in changed.items():
            old_text = old.get(path)
            if role != "test" or path not in by_module or old_text is None:
                continue
            try:
                new = (self.rgr.root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            old_frame = frame_digest(old_text)
            if old_frame is None or old_frame != frame_digest(new):
                continue
            before_fn, after_fn = function_digests(old_text), function_digests(new)
            edited[path] = frozenset(
                nodeid
                for nodeid in by_module[path]
                if (q := split_test_nodeid(nodeid)[1]) not in before_fn
                or q not in after_fn
                or before_fn[q].full != after_fn[q].full
            )
        return edited

    def _source_changes(
        self, changed: dict[str, str | None], old: dict[str, str]
    ) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
        """The changed source files whose module-level code changed since the ledger, and
        the functions that changed in each."""
        versions: dict[str, tuple[str | None, str | None]] = {}
        for path, role in changed.items():
            if role != "source":
                continue
            try:
                new: str | None = (self.rgr.root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                new = None
            versions[path] = (old.get(path), new)
        return module_level_changes(versions), changed_functions(versions)

    def narrowed(self) -> bool:
        """True when this plugin's selection, and nothing else, deselected tests."""
        return self.selection is not None and self.selection.tests is not None

    # -- recording --------------------------------------------------------------------

    def _profile(self, frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            self.calls.add(frame.f_code)

    def _source_path(self, filename: str) -> str | None:
        if filename not in self.paths:
            path: str | None = None
            with contextlib.suppress(ValueError, OSError):
                path = Path(filename).resolve().relative_to(self.rgr.root).as_posix()
            self.paths[filename] = path if path in self.rgr.current_source else None
        return self.paths[filename]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        record = sys.getprofile() is None and should_record(
            item.nodeid, self.changed_tests, self.known, self.edited
        )
        if not record:
            return (yield)
        self.calls = set()
        sys.setprofile(self._profile)
        try:
            return (yield)
        finally:
            sys.setprofile(None)
            called = {(self._source_path(c.co_filename), c.co_qualname) for c in self.calls}
            self.calls = set()
            passed = item.nodeid not in self.failed
            self.recorded[item.nodeid] = Reach(
                frozenset(path for path, _ in called if path),
                passed,
                frozenset(f"{path}::{function_of(name)}" for path, name in called if path),
            )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed or report.skipped:  # a skipped test ran nothing: never inferred
            self.failed.add(report.nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if (
            session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED
            and self.deselected
            and not session.items
        ):  # pytest's "no tests collected" (exit 5) is not a failure when reach chose none
            session.exitstatus = pytest.ExitCode.OK
            self.emptied = True
        if self.rgr.store_error is not None or not self.rgr.run_id:
            return
        with contextlib.suppress(sqlite3.Error):
            if self.recorded:
                reach_store.record_reach(self.rgr.conn, self.rgr.run_id, self.recorded)
            reach_store.forget_gone_tests(self.rgr.conn)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.emptied:
            line = nothing_reached(self.deselected)
            terminalreporter.write_line(line.text, **line.markup)


def register(config: pytest.Config, rgr: RgrPlugin, mode: str) -> None:
    """Register ``piv-reach`` for *mode* (``record`` or ``select``) in a single process."""
    if mode == "off":
        return
    if under_xdist(config):
        config.pluginmanager.register(_OffUnderXdist(mode), PLUGIN_NAME)
        return
    config.pluginmanager.register(ReachPlugin(config, rgr, mode == "select"), PLUGIN_NAME)


class _OffUnderXdist:
    """Under xdist the workers collect and run: say that reach is off there."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def pytest_report_header(self) -> str:
        return reach_off_under_xdist(self.mode)


def reach_scope(config: pytest.Config, deselected: int) -> dict[str, Any] | None:
    """The scope detail of a run narrowed only by reach, else ``None``."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if not isinstance(plugin, ReachPlugin) or not plugin.narrowed():
        return None
    if deselected != plugin.deselected:
        return None
    return {"deselected": deselected}
