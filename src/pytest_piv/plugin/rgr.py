"""The RGR feature's pytest shell.

``RgrPlugin`` runs in the process that reports (the controller under xdist): it reads the
ledger, judges each test as its report arrives, and writes the run to the store once, at
the end. A failure's red kind needs the exception, which lives only where the test ran: in
a single process ``RgrPlugin`` classifies it in ``pytest_exception_interact`` (called right
after the failing report is logged, so that failure is judged then), and in xdist workers
``EvidencePlugin`` attaches it to the report before the report is sent. The
characterization mark travels in ``report.keywords``.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any

import pytest

from pytest_piv.config import PivConfig
from pytest_piv.errors import StoreError
from pytest_piv.plugin.gc_pause import gc_paused
from pytest_piv.plugin.reports import (
    RED_ATTR,
    SubtestReport,
    outcome_of,
    red_from_report,
    subtest_name,
    subtest_red,
)
from pytest_piv.plugin.scope import run_scope
from pytest_piv.report import rgr as report
from pytest_piv.report.text import printable
from pytest_piv.rgr.digests import (
    TestDigest,
    file_digest_fallback,
    function_digests,
    function_nodeid,
    split_test_nodeid,
)
from pytest_piv.rgr.model import RED_OUTCOMES, Observation, Outcome, Red
from pytest_piv.rgr.phase import RunSummary, summarize
from pytest_piv.rgr.rules import (
    LineCheck,
    TestVerdict,
    Verdict,
    check_changed_lines,
    judge_test,
    source_changed_now,
)
from pytest_piv.store import connect, diagnose, ledger, snapshot
from pytest_piv.store.db import LISTING_SUFFIX, beside
from pytest_piv.vcs import TreeState, TreeStateJob, blob_digest, changed_lines, read_blobs

if TYPE_CHECKING:
    from pytest_piv.plugin.evidence import ProjectFacts


#: the verdicts that fail a passing test in enforce mode
FAILED_BY_PIV = frozenset({Verdict.NEVER_RED, Verdict.EDITED_GREEN})
CHARACTERIZATION = "piv_characterization"
#: the verdicts that prove a test's version, and how the proof says it was proven
PROVEN_BY = {
    Verdict.RED: "red",
    Verdict.ADOPTED: "adopted",
    Verdict.FAILING_AT_ADOPTION: "adopted",
    Verdict.CHARACTERIZATION: "characterization",
    Verdict.MOVED: "moved",
}


class EvidencePlugin:
    """In an xdist worker: attaches the red kind to failing test and collection reports,
    where the exception still lives, before the report travels to the controller."""

    def __init__(self, piv: PivConfig) -> None:
        from pytest_piv.plugin.evidence import ProjectFacts

        self.facts = ProjectFacts(piv.root, piv.roles)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        rep = yield
        if call.excinfo is not None and rep.failed:
            attach_red(rep, call.excinfo, call.when, self.facts)
        return rep

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        rep = yield
        call = rep.__dict__.get("call")
        if rep.failed and call is not None and call.excinfo is not None:
            attach_red(rep, call.excinfo, "collection", self.facts)
        return rep


def attach_red(
    rep: pytest.TestReport | pytest.CollectReport,
    excinfo: pytest.ExceptionInfo[BaseException],
    when: str,
    facts: ProjectFacts,
) -> None:
    """Classify a failure and attach its red kind to the report as plain data."""
    from pytest_piv.plugin.evidence import classify_excinfo, red_to_dict  # on failures only

    setattr(rep, RED_ATTR, red_to_dict(classify_excinfo(excinfo, when, facts)))


class RgrPlugin:
    """Controller side: judge each test against the ledger, record the run, report."""

    def __init__(self, config: pytest.Config, piv: PivConfig) -> None:
        self.config = config
        self.piv = piv
        self.conn: sqlite3.Connection = connect(piv.db)
        self.root = piv.root.resolve()
        self.digest_cache: dict[str, dict[str, TestDigest]] = {}
        self.new_digests: dict[str, dict[str, TestDigest]] = {}
        self.observed: dict[str, tuple[Observation, TestVerdict]] = {}
        self.deselected = 0
        self.collection_errors = 0
        self.interrupted = False
        self.crashed = False
        self.summary: RunSummary | None = None
        self.run_id = 0
        self.store_error: str | None = None
        #: under xdist, reports come from workers with their red kind attached (known at
        #: session start: xdist registers its controller after this plugin's configure)
        self.distributed = False
        #: failing reports waiting for their exception (pytest_exception_interact)
        self.pending: dict[str, tuple[pytest.TestReport, Outcome]] = {}
        #: what each collected test the ledger knows is judged if it passes (see
        #: pytest_collection_finish)
        self.if_passing: dict[str, tuple[Observation, TestVerdict]] = {}
        #: failed subtests of the tests still running: the first one's red, and how many
        self.subtests_failed: dict[str, tuple[Red | None, str, int]] = {}

    # -- session start ---------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        with gc_paused():
            self._load()

    def _load(self) -> None:
        # git lists the work tree in the background while pytest collects; see `tree`
        db, cached = self.piv.db, self.piv.rgr.cache
        listing = beside(db, LISTING_SUFFIX) if cached else None
        self.tree_job = TreeStateJob(self.root, self.piv.roles, listing)
        self.snapshot = snapshot.snapshot_path(db) if cached else None
        try:
            self.start = snapshot.load(self.conn, self.snapshot)
            self.ledger = ledger.ledger_of(self.start.rows, ledger.adopted(self.conn))
        except (sqlite3.Error, OSError, StoreError) as exc:  # e.g. corrupt pages
            raise pytest.UsageError(f"piv: {diagnose(self.piv.db, exc)}") from None
        self.adopting = not self.ledger.adopted
        self.distributed = self.config.pluginmanager.hasplugin("dsession")
        if self.distributed:  # failed collections arrive as reports, not as exceptions
            self.config.pluginmanager.register(WorkerCollectReports(self), "piv-collect-reports")
        try:
            ledger.close_abandoned_runs(self.conn)
            self.run_id = self._start_run()
        except (sqlite3.Error, OSError, StoreError) as exc:  # judged all the same, not recorded
            self.store_error = str(diagnose(self.piv.db, exc))

    @functools.cached_property
    def tree(self) -> TreeState:
        """The tree state, first needed when the first report arrives."""
        with gc_paused():
            tree = self.tree_job.result()
            # the digests of the test files the ledger knows came with it; one query for
            # the others, not one per file as reports arrive
            self.digest_cache = ledger.test_digests_of(self.start.rows)
            unknown = set(tree.of_role("test").values()).difference(self.digest_cache)
            with contextlib.suppress(sqlite3.DatabaseError):  # then digests are recomputed
                self.digest_cache.update(ledger.cached_test_digests(self.conn, unknown))
            self._find_moved(tree)
        return tree

    def _find_moved(self, tree: TreeState) -> None:
        """Index the tests of test files that are gone, so that a test moved or renamed
        with its file (digest unchanged) keeps its history (``Ledger.moved``)."""
        files = tree.files
        gone = {
            path
            for path, digest, role, _, _ in self.start.rows.files
            if role == "test" and digest and path not in files
        }
        if not gone:
            return
        moved = {
            (nodeid.partition("::")[2], rec.digest): rec
            for nodeid, rec in self.ledger.tests.items()
            if rec.digest and nodeid.partition("::")[0] in gone
        }
        self.ledger = self.ledger._replace(moved=moved)

    @functools.cached_property
    def facts(self) -> ProjectFacts:
        """What classifying a failure needs to know of the project: built on a first failure."""
        from pytest_piv.plugin.evidence import ProjectFacts

        return ProjectFacts(self.piv.root, self.piv.roles)

    @functools.cached_property
    def current_source(self) -> dict[str, str]:
        return self.tree.of_role("source")

    def _start_run(self) -> int:
        """The run's row, written first so that a killed run stays visible as incomplete."""
        workers = getattr(self.config.option, "numprocesses", None) or 0
        return ledger.start_run(
            self.conn,
            ledger.RunStart(
                scope="full",
                scope_detail={},
                tree_id="",  # known at the end of the run, when git's listing is read
                head=self.tree_job.head,
                mode=self.piv.rgr.mode,
                policy=self.piv.rgr.policy,
                workers=int(workers) if isinstance(workers, int) else 0,
            ),
        )

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        lines = [report.header(self.piv.rgr.mode, self.piv.rgr.policy, str(self.piv.db))]
        return lines + [f"piv: note: {n}" for n in self.tree_job.notes]

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # pytest stops a run with collection errors by raising Session.Interrupted
        if not (isinstance(excinfo.value, pytest.Session.Interrupted) and self.collection_errors):
            self.interrupted = True

    @pytest.hookimpl(optionalhook=True)
    def pytest_handlecrashitem(self, crashitem: str, report: Any, sched: Any) -> None:
        self.crashed = True

    # -- test digests ----------------------------------------------------------------

    def _digests_of(self, path: str) -> tuple[str, dict[str, TestDigest]]:
        file_digest = self.tree.files.get(path)
        if file_digest is None:
            try:
                file_digest = blob_digest((self.root / path).read_bytes())
            except OSError:
                return "", {}
        cached = self.digest_cache.get(file_digest)
        if cached is not None:
            return file_digest, cached
        cached = ledger.cached_test_digests(self.conn, [file_digest]).get(file_digest)
        if cached is None:
            try:
                text = (self.root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            cached = function_digests(text)
            if not cached:
                cached = {"": file_digest_fallback(text)}
            self.new_digests[file_digest] = cached
        self.digest_cache[file_digest] = cached
        return file_digest, cached

    # -- judging as reports arrive -----------------------------------------------------

    def _judge(self, obs: Observation) -> TestVerdict:
        return judge_test(
            obs,
            self.ledger,
            self.piv.rgr.policy,
            self.current_source,
            adopting=self.adopting,
        )

    def _observation(
        self, nodeid: str, outcome: Outcome, red: Red | None, characterization: bool
    ) -> Observation:
        path, qualname, func_key = split_test_nodeid(nodeid)
        _, digests = self._digests_of(path)
        digest = digests.get(qualname) or digests.get("") or TestDigest(qualname, "", "")
        return tuple.__new__(  # for each test: a NamedTuple's own __new__ is 2.5 times slower
            Observation,
            (nodeid, outcome, digest.body, func_key, digest.full, red, characterization),
        )

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Judge each collected test the ledger knows as if it passes, before any test runs.

        Most tests of most runs pass; their reports then cost one lookup. Judged one after
        the other, the ledger's dictionaries stay in the CPU's caches; judged as reports
        arrive, between two tests' worth of pytest's own work, each lookup missed them.
        The verdicts are what ``_observe`` would reach: the same observation, the same pure
        ``judge_test``. (Under xdist the controller collects nothing: reports are judged
        as they arrive.)
        """
        known, observation, judge = self.ledger.tests, self._observation, self._judge
        if_passing, passed = self.if_passing, Outcome.PASSED
        with gc_paused():
            for item in session.items:
                nodeid = item.nodeid
                if nodeid in known:
                    obs = observation(nodeid, passed, None, False)
                    if_passing[nodeid] = (obs, judge(obs))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.pending:  # a failure without an exception to classify (e.g. strict XPASS)
            self._flush_pending()
        if report.outcome == "passed":  # most reports
            if report.when != "call" or isinstance(report, SubtestReport):
                return  # a passing setup, teardown or subtest settles nothing
            if not hasattr(report, "wasxfail"):
                self._observe(report, Outcome.PASSED, report.nodeid)
                return
        outcome = outcome_of(report)
        if outcome is None:
            return
        nodeid = report.nodeid
        if report.when == "teardown" and nodeid not in self.observed:
            return
        if outcome in RED_OUTCOMES and not self.distributed and RED_ATTR not in report.__dict__:
            # its red kind comes with pytest_exception_interact, right after this hook
            self.pending[nodeid] = (report, outcome)
            return
        self._observe(report, outcome, nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_exception_interact(
        self,
        node: pytest.Item | pytest.Collector,
        call: pytest.CallInfo[Any],
        report: pytest.TestReport | pytest.CollectReport,
    ) -> None:
        if call.excinfo is None or not report.failed or RED_ATTR in report.__dict__:
            return
        if isinstance(report, pytest.CollectReport):
            attach_red(report, call.excinfo, "collection", self.facts)
            self._collection_failed(report)
            return
        attach_red(report, call.excinfo, call.when, self.facts)
        nodeid = report.nodeid
        pending = self.pending.pop(nodeid, None)
        if pending is not None:
            self._observe(*pending, nodeid)

    def _flush_pending(self) -> None:
        pending, self.pending = self.pending, {}
        for nodeid, (rep, outcome) in pending.items():
            self._observe(rep, outcome, nodeid)

    def _observe(self, report: pytest.TestReport, outcome: Outcome, nodeid: str) -> None:
        """Judge the test of one settling report; in enforce mode, fail a rule-breaker."""
        if outcome is not Outcome.PASSED and isinstance(report, SubtestReport):
            self._subtest_failed(report, outcome, nodeid)  # (a passing one never comes here)
            return
        characterization = CHARACTERIZATION in report.keywords
        judged = None
        red = None
        if self.subtests_failed and report.when == "call":
            failed = self.subtests_failed.pop(nodeid, None)
            if failed is not None:  # a failed subtest fails its test
                red = red_from_report(report) if RED_ATTR in report.__dict__ else None
                red = red or subtest_red(*failed)
                if outcome not in RED_OUTCOMES:
                    outcome = Outcome.FAILED
        if outcome is Outcome.PASSED and not characterization:
            judged = self.if_passing.get(nodeid)
        if judged is None:
            if red is None and RED_ATTR in report.__dict__:
                red = red_from_report(report)
            obs = self._observation(nodeid, outcome, red, characterization)
            judged = (obs, self._judge(obs))
        self.observed[nodeid] = judged
        verdict = judged[1]
        if (
            verdict.verdict in FAILED_BY_PIV
            and self.piv.rgr.mode == "enforce"
            and report.when == "call"
        ):
            report.outcome = "failed"
            report.longrepr = f"piv: {printable(verdict.message)}"
            report.sections.append(("piv", f"hint: {printable(verdict.hint)}"))

    def _subtest_failed(self, report: pytest.TestReport, outcome: Outcome, nodeid: str) -> None:
        """Remember a failed subtest until its test's own report settles the test."""
        if outcome not in RED_OUTCOMES:
            return  # a skipped or xfailed subtest fails nothing
        red = red_from_report(report) if RED_ATTR in report.__dict__ else None
        before = self.subtests_failed.get(nodeid)
        if before is None:
            self.subtests_failed[nodeid] = (red, subtest_name(report), 1)
        else:
            self.subtests_failed[nodeid] = (before[0], before[1], before[2] + 1)

    def _collection_failed(self, report: pytest.CollectReport) -> None:
        """A test file that cannot be collected: each of its test functions is judged."""
        self.collection_errors += 1
        red = red_from_report(report)
        path = report.nodeid.split("::")[0]
        if self.piv.roles.role(path) != "test":
            return
        _, digests = self._digests_of(path)
        functions = [d for q, d in digests.items() if _is_test_name(q)]
        if not functions:
            functions = [digests.get("") or TestDigest("", "", "")]
        for d in functions:
            nodeid = function_nodeid(path, d.qualname)
            obs = Observation(
                nodeid=nodeid,
                outcome=Outcome.ERROR,
                digest=d.body,
                func_key=nodeid,
                full_digest=d.full,
                red=red,
            )
            self.observed[nodeid] = (obs, self._judge(obs))

    # -- the end of the run ------------------------------------------------------------

    def _scope(self, session: pytest.Session) -> tuple[str, dict[str, object]]:
        tests = self.tree.of_role("test")
        scope, detail = run_scope(self.config, self.root, self.deselected, tests)
        if scope == "subset" and set(detail) == {"deselected"}:
            from pytest_piv.plugin.reach import reach_scope

            by_reach = reach_scope(self.config, self.deselected)
            if by_reach is not None:  # the others run nothing that changed
                return "reach", by_reach
        return scope, detail

    def _complete(self, session: pytest.Session, exitstatus: int) -> bool:
        if self.interrupted or self.crashed:
            return False
        if session.shouldfail or session.shouldstop:
            return False
        if exitstatus == pytest.ExitCode.INTERRUPTED and not self.collection_errors:
            return False
        return exitstatus != pytest.ExitCode.INTERNAL_ERROR

    def _line_check(
        self, session: pytest.Session, full_scope: bool, complete: bool
    ) -> tuple[LineCheck, list[str]]:
        """Judge changed source lines (since last verified) against the run's coverage."""
        pending = {
            p: d
            for p, d in self.current_source.items()
            if (rec := self.ledger.files.get(p)) is None or rec.verified_digest != d
        }
        if self.adopting or not pending or not complete:
            return LineCheck(True, changed_files=tuple(sorted(pending))), sorted(pending)
        from pytest_piv.plugin.measure import coverage_of  # imports coverage.py: only here

        cov = coverage_of(self.config)
        if cov is None:
            return LineCheck(False, "no coverage data"), []
        if not full_scope:
            return LineCheck(False, "a subset run cannot tell which lines no test executes"), []
        last = {
            path: rec.verified_digest
            for path in pending
            if (rec := self.ledger.files.get(path)) and rec.verified_digest
        }
        texts = self.contents(last.values())
        changes: dict[str, set[int]] = {}
        for path in pending:
            old = texts.get(last.get(path, ""))
            try:
                new = (self.root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            changes[path] = changed_lines(old, new)
        measured = {path: cov(self.root / path) for path in changes}
        check = check_changed_lines(
            changes,
            {p: m for p, m in measured.items() if m is not None},
            full_scope=full_scope,
        )
        verified = [p for p in pending if p not in check.untested]
        return check, verified

    def contents(self, digests: Iterable[str]) -> dict[str, str]:
        """The text of each blob the ledger or git has, by digest: the ledger keeps the
        versions of source files that were never committed."""
        wanted = set(digests)
        found: dict[str, bytes] = {}
        for digest in wanted:
            data = ledger.blob(self.conn, digest)
            if data is not None:
                found[digest] = data
        found.update(read_blobs(self.root, sorted(wanted - found.keys())))
        return {d: data.decode("utf-8", errors="replace") for d, data in found.items()}

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._flush_pending()
        with gc_paused():
            self._finish(session, int(exitstatus))

    def _finish(self, session: pytest.Session, exitstatus: int) -> None:
        complete = self._complete(session, exitstatus)
        scope, detail = self._scope(session)
        full_scope = scope in ("full", "reach")
        adopting = self.adopting and complete
        judged = list(self.observed.values())
        verdicts = [v for _, v in judged]

        line_check, verified = self._line_check(session, full_scope, complete)
        if adopting:
            verified = list(self.current_source)
        changed_now = source_changed_now(self.ledger.files, self.current_source)
        green_sources: set[str] = set()
        for obs, verdict in judged:
            if verdict.verdict is Verdict.GREEN or verdict.verdict is Verdict.FIXED:
                prev = self.ledger.tests.get(obs.nodeid)
                since = prev.red_run_id if prev and prev.red_run_id else None
                if since is None:
                    since = self.ledger.collection_reds.get(obs.func_key, 0)
                green_sources.update(self.ledger.source_changed_since(since, self.current_source))
        summary = summarize(
            verdicts,
            complete=complete,
            adopting=adopting,
            source_changed=changed_now,
            green_sources=sorted(green_sources),
            line_check=line_check,
            full_scope=full_scope,
        )
        self.summary = summary
        self.verdicts = verdicts
        if self.piv.rgr.mode == "enforce" and summary.untested_lines:
            session.testsfailed += 1
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self.store_error is None:
            try:
                self._record(judged, summary, complete, adopting, scope, detail, verified, session)
            except Exception as exc:  # the verdict stands even if the store cannot record it
                self.store_error = str(diagnose(self.piv.db, exc))
        if self.store_error and self.piv.rgr.mode == "enforce":  # never a silent success
            session.testsfailed += 1
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _record(
        self,
        judged: list[tuple[Observation, TestVerdict]],
        summary: RunSummary,
        complete: bool,
        adopting: bool,
        scope: str,
        detail: dict[str, object],
        verified: list[str],
        session: pytest.Session,
    ) -> None:
        run_id = self.run_id
        proofs: list[tuple[str, str, str]] = []
        collection_reds: list[str] = []
        for obs, verdict in judged:
            how = PROVEN_BY.get(verdict.verdict)
            if how:
                proofs.append((obs.nodeid, obs.digest, how))
            elif (
                self.ledger.moved
                and (old := self.ledger.moved_from(obs)) is not None
                and (old.nodeid, obs.digest) in self.ledger.proofs  # proven where it was
            ):
                proofs.append((obs.nodeid, obs.digest, "moved"))
            if verdict.verdict is Verdict.RED and obs.red and obs.red.during == "collection":
                proofs.append((obs.func_key, obs.full_digest, "red"))
                collection_reds.append(obs.func_key)
        if adopting:
            for path in self.tree.of_role("test"):
                _, digests = self._digests_of(path)
                for qualname, d in digests.items():
                    key = function_nodeid(path, qualname)
                    skip = key in self.ledger.collection_reds or key in collection_reds
                    if not skip and _is_test_name(qualname):
                        proofs.append((key, d.full, "adopted"))
        blobs: dict[str, bytes] = {}
        dirty_source = [p for p in self.tree.dirty if self.tree.roles.get(p) == "source"]
        unknown = {self.tree.files[p] for p in dirty_source} - ledger.known_blobs(
            self.conn, (self.tree.files[p] for p in dirty_source)
        )
        for path in dirty_source:
            if self.tree.files[path] in unknown:
                with contextlib.suppress(OSError):
                    blobs[self.tree.files[path]] = (self.root / path).read_bytes()
        now = ledger.finish_run(
            self.conn,
            ledger.RunEnd(
                run_id=run_id,
                tree_id=self.tree.tree_id,
                status="complete" if complete else "incomplete",
                exit_code=int(session.exitstatus),
                phase=summary.phase,
                headline=summary.headline,
                judged=judged,
                proofs=proofs,
                collection_reds=collection_reds,
                files={p: (d, self.tree.roles[p]) for p, d in self.tree.files.items()},
                verified=verified if complete else [],
                blobs=blobs,
                violations=_violations(judged, summary),
                forget_unseen=complete and scope == "full" and not self.collection_errors,
                scope=scope,
                scope_detail=detail,
                test_digests=self.new_digests,
            ),
            self.start.rows,
        )
        snapshot.refresh(self.conn, self.snapshot, self.start, now)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.summary is None:
            return
        verbosity = self.config.get_verbosity()
        # what the header could not know yet, such as git failing to list the work tree
        notes = [n for n in self.tree.notes if n not in self.tree_job.notes]
        terminalreporter.section("piv", sep="-")
        lines = report.summary_lines(
            self.summary, self.verdicts, mode=self.piv.rgr.mode, verbosity=verbosity, notes=notes
        )
        for line in report.not_recorded(lines, self.store_error, mode=self.piv.rgr.mode):
            terminalreporter.write_line(line.text, **line.markup)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.conn.close()


class WorkerCollectReports:
    """Under xdist, the controller's view of collection errors: the workers' reports.

    (In a single process, ``RgrPlugin.pytest_exception_interact`` sees them, and no hook
    runs for each of the thousands of collectors that succeed.)
    """

    def __init__(self, rgr: RgrPlugin) -> None:
        self.rgr = rgr

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.rgr._collection_failed(report)


def _violations(
    judged: list[tuple[Observation, TestVerdict]], summary: RunSummary
) -> list[tuple[str | None, str]]:
    """The run's violations, each with its test's node id (None for the run's own)."""
    per_test: list[tuple[str | None, str]] = [
        (v.nodeid, v.sentence()) for _, v in judged if v.is_violation
    ]
    return per_test + [(None, text) for text in summary.violations[len(per_test) :]]


def _is_test_name(qualname: str) -> bool:
    parts = qualname.split(".")
    if not parts[-1].startswith("test"):
        return False
    return all(p.startswith("Test") for p in parts[:-1])
