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
no test it did not see.

Under xdist the workers collect and run the tests: the controller (``ReachController``)
works out what changed once and sends it to each worker with its ``workerinput``; each
worker (``ReachPlugin``) makes the same selection from the same collection, records the
tests it runs, and sends back its count of deselected tests and the reach it recorded in
its ``workeroutput``; the controller writes them to the store.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator
from pathlib import Path
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

from pytest_piv.plugin.workers import under_xdist
from pytest_piv.report.rgr import nothing_reached
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
from pytest_piv.store.reach import decode_reach, encode_reach

if TYPE_CHECKING:
    from pytest_piv.plugin.rgr import RgrPlugin

PLUGIN_NAME = "piv-reach"
#: the key of the reach inputs in a worker's ``workerinput``, and of its results in
#: ``workeroutput``
WIRE_KEY = "piv_reach"


class ReachInputs(NamedTuple):
    """What a selection and a recording need to know, worked out once per run."""

    root: Path
    #: the test and source files that differ from what the ledger last saw: their roles
    changed: dict[str, str | None]
    #: the text the ledger last saw of each changed test and source file it knew
    old: dict[str, str]
    #: each test's recorded reach
    known: dict[str, Reach]
    #: the project's source files (a recorded call counts only in these)
    sources: frozenset[str]

    def to_wire(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "changed": self.changed,
            "old": self.old,
            "known": {n: [encode_reach(r), r.passed] for n, r in self.known.items()},
            "sources": sorted(self.sources),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> ReachInputs:
        return cls(
            Path(data["root"]),
            dict(data["changed"]),
            dict(data["old"]),
            {n: decode_reach(text, bool(passed)) for n, (text, passed) in data["known"].items()},
            frozenset(data["sources"]),
        )


def inputs_of(rgr: RgrPlugin) -> ReachInputs:
    """The reach inputs of this run, from the ledger the RGR plugin read."""
    try:
        known = reach_store.load_reach(rgr.conn)
    except sqlite3.Error:
        known = {}
    tree = rgr.tree
    seen = {row[0]: (row[1], row[2]) for row in rgr.start.rows.files}
    changed: dict[str, str | None] = {}
    for path, digest in tree.files.items():
        if (path not in seen) or seen[path][0] != digest:
            changed[path] = tree.roles.get(path)
    for path, (gone, role) in seen.items():
        if gone is not None and path not in tree.files:
            changed[path] = role
    digests = {
        path: last
        for path, role in changed.items()
        if role in ("test", "source") and (last := seen.get(path, (None, ""))[0]) is not None
    }
    texts = rgr.contents(digests.values())
    old = {path: texts[d] for path, d in digests.items() if d in texts}
    return ReachInputs(rgr.root, changed, old, known, frozenset(rgr.current_source))


class ReachPlugin:
    """Where the tests are collected and run (one process, or an xdist worker): select,
    and record the tests whose reach is unknown, failing or edited."""

    def __init__(
        self, config: pytest.Config, inputs: Callable[[], ReachInputs], select: bool
    ) -> None:
        self.config = config
        self.load_inputs = inputs
        self.inputs = ReachInputs(Path(), {}, {}, {}, frozenset())
        self.select = select
        self.selection: Selection | None = None
        self.deselected = 0
        self.changed_tests: frozenset[str] = frozenset()
        self.edited: dict[str, frozenset[str]] = {}
        self.recorded: dict[str, Reach] = {}
        self.failed: set[str] = set()
        self.calls: set[CodeType] = set()
        self.paths: dict[str, str | None] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        self.inputs = inputs = self.load_inputs()
        changed, old = inputs.changed, inputs.old
        self.changed_tests = frozenset(p for p, role in changed.items() if role == "test")
        self.edited = self._edited(items, changed, old)
        if not self.select:
            return
        module_level, functions = self._source_changes(changed, old)
        self.selection = select_tests(
            [i.nodeid for i in items],
            changed,
            inputs.known,
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
                new = (self.inputs.root / path).read_text(encoding="utf-8")
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
                new: str | None = (self.inputs.root / path).read_text(encoding="utf-8")
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
                path = Path(filename).resolve().relative_to(self.inputs.root).as_posix()
            self.paths[filename] = path if path in self.inputs.sources else None
        return self.paths[filename]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        record = sys.getprofile() is None and should_record(
            item.nodeid, self.changed_tests, self.inputs.known, self.edited
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
        output = getattr(self.config, "workeroutput", None)
        if isinstance(output, dict):  # an xdist worker: the controller stores it
            output[WIRE_KEY] = {
                "deselected": self.deselected,
                "narrowed": self.narrowed(),
                "recorded": {n: [encode_reach(r), r.passed] for n, r in self.recorded.items()},
            }


class StoredReach(ABC):
    """In the process that reports (one process, or the xdist controller): a run reach
    emptied passes, and the recorded reach goes to the store."""

    def __init__(self, rgr: RgrPlugin) -> None:
        self.rgr = rgr
        self.emptied = False

    @abstractmethod
    def results(self) -> tuple[int, dict[str, Reach]]:
        """How many tests reach deselected, and the reach recorded."""

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        deselected, recorded = self.results()
        if (
            session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED
            and deselected
            and not session.items
        ):  # pytest's "no tests collected" (exit 5) is not a failure when reach chose none
            session.exitstatus = pytest.ExitCode.OK
            self.emptied = True
        if self.rgr.store_error is not None or not self.rgr.run_id:
            return
        with contextlib.suppress(sqlite3.Error):
            if recorded:
                reach_store.record_reach(self.rgr.conn, self.rgr.run_id, recorded)
            reach_store.forget_gone_tests(self.rgr.conn)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.emptied:
            line = nothing_reached(self.results()[0])
            terminalreporter.write_line(line.text, **line.markup)


class SingleProcessReach(ReachPlugin, StoredReach):
    """``piv-reach`` without xdist: selects, records and stores in one process."""

    def __init__(self, config: pytest.Config, rgr: RgrPlugin, select: bool) -> None:
        ReachPlugin.__init__(self, config, lambda: inputs_of(rgr), select)
        StoredReach.__init__(self, rgr)

    def results(self) -> tuple[int, dict[str, Reach]]:
        return self.deselected, self.recorded

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        StoredReach.pytest_sessionfinish(self, session)


class ReachController(StoredReach):
    """``piv-reach`` in an xdist controller: sends the inputs to each worker, gathers the
    workers' selections and recordings."""

    def __init__(self, rgr: RgrPlugin, mode: str) -> None:
        super().__init__(rgr)
        self.mode = mode
        self.wire: dict[str, Any] | None = None
        self.deselected = 0
        self.narrowed_by_workers = False
        self.recorded: dict[str, Reach] = {}

    def pytest_configure_node(self, node: Any) -> None:
        if self.wire is None:
            self.wire = {"select": self.mode == "select", **inputs_of(self.rgr).to_wire()}
        node.workerinput[WIRE_KEY] = self.wire

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        data = getattr(node, "workeroutput", {}).get(WIRE_KEY)
        if not isinstance(data, dict):
            return
        # every worker collects the same tests and makes the same selection
        deselected = max(self.deselected, int(data.get("deselected", 0)))
        self.rgr.deselected += deselected - self.deselected
        self.deselected = deselected
        self.narrowed_by_workers |= bool(data.get("narrowed"))
        for nodeid, (text, passed) in dict(data.get("recorded", {})).items():
            self.recorded[nodeid] = decode_reach(text, bool(passed))

    def narrowed(self) -> bool:
        return self.narrowed_by_workers

    def results(self) -> tuple[int, dict[str, Reach]]:
        return self.deselected, self.recorded


def register(config: pytest.Config, rgr: RgrPlugin, mode: str) -> None:
    """Register ``piv-reach`` for *mode* (``record`` or ``select``): in this process, or
    as the controller of xdist workers."""
    if mode == "off":
        return
    if under_xdist(config):
        config.pluginmanager.register(ReachController(rgr, mode), PLUGIN_NAME)
        return
    config.pluginmanager.register(SingleProcessReach(config, rgr, mode == "select"), PLUGIN_NAME)


def register_worker(config: pytest.Config) -> None:
    """In an xdist worker whose controller sent reach inputs: select and record here."""
    data = getattr(config, "workerinput", {}).get(WIRE_KEY)
    if isinstance(data, dict):
        inputs = ReachInputs.from_wire(data)
        plugin = ReachPlugin(config, lambda: inputs, bool(data.get("select")))
        config.pluginmanager.register(plugin, PLUGIN_NAME)


def reach_scope(config: pytest.Config, deselected: int) -> dict[str, Any] | None:
    """The scope detail of a run narrowed only by reach, else ``None``."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if not isinstance(plugin, SingleProcessReach | ReachController) or not plugin.narrowed():
        return None
    if deselected != plugin.deselected:
        return None
    return {"deselected": deselected}
