"""The ledger records results as changes and rebuilds every run's full table (real SQLite)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_piv.rgr.model import Observation, Outcome, Red, RedKind
from pytest_piv.rgr.rules import TestVerdict, Verdict
from pytest_piv.store import connect, ledger
from pytest_piv.store.schema import MIGRATIONS


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(connect(tmp_path / "piv.db")) as c:
        yield c


def observed(nodeid: str, outcome: Outcome = Outcome.PASSED, digest: str = "d1") -> Observation:
    red = None
    if outcome.is_red:
        red = Red(RedKind.ASSERTION, "tests/test_a.py", 3, "assert 1 == 2")
    return Observation(nodeid, outcome, digest, nodeid, digest, red)


def record(
    conn: sqlite3.Connection, results: dict[str, tuple[Outcome, Verdict, str]], scope: str = "full"
) -> int:
    start = ledger.RunStart(scope, {}, "tree", None, "enforce", "standard", 0)
    run_id = ledger.start_run(conn, start)
    judged = [
        (observed(n, outcome, digest), TestVerdict(n, verdict))
        for n, (outcome, verdict, digest) in results.items()
    ]
    end = ledger.RunEnd(run_id, "complete", 0, "GREEN", "", judged, scope=scope)
    ledger.finish_run(conn, end)
    return run_id


def stored_rows(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])


PASS = (Outcome.PASSED, Verdict.UNCHANGED, "d1")
SUITE = {f"tests/test_a.py::test_{i}": PASS for i in range(50)}


def test_an_unchanged_rerun_writes_no_result_row_yet_rebuilds_every_result(
    conn: sqlite3.Connection,
) -> None:
    first = record(conn, SUITE)
    rows_after_first = stored_rows(conn)
    second = record(conn, SUITE)

    assert rows_after_first == 50
    assert stored_rows(conn) == 50
    for run in (first, second):
        rebuilt = ledger.run_results(conn, run)
        assert set(rebuilt) == set(SUITE)
        assert {r.outcome for r in rebuilt.values()} == {"passed"}
    assert [r.tests for r in ledger.recent_runs(conn)] == [50, 50]
    assert ledger.result_count(conn) == 100


def test_a_changed_test_writes_one_row_and_each_run_keeps_its_own_outcome(
    conn: sqlite3.Connection,
) -> None:
    node = "tests/test_a.py::test_7"
    first = record(conn, SUITE)
    failing = dict(SUITE, **{node: (Outcome.FAILED, Verdict.RED, "d2")})
    second = record(conn, failing)
    third = record(conn, dict(SUITE, **{node: (Outcome.PASSED, Verdict.GREEN, "d2")}))

    assert stored_rows(conn) == 52
    assert ledger.run_results(conn, first)[node].outcome == "passed"
    red = ledger.run_results(conn, second)[node]
    assert (red.outcome, red.verdict, red.red_kind) == ("failed", "red", "assertion")
    assert red.red_where == "tests/test_a.py:3"
    assert ledger.run_results(conn, third)[node].verdict == "green"
    assert [(h.run_id, h.verdict) for h in ledger.history(conn, node)] == [
        (first, "unchanged"),
        (second, "red"),
        (third, "green"),
    ]


def test_a_subset_run_rebuilds_only_the_tests_it_ran_and_history_skips_it(
    conn: sqlite3.Connection,
) -> None:
    record(conn, SUITE)
    subset = record(conn, {"tests/test_a.py::test_1": PASS}, scope="subset")
    record(conn, SUITE)

    assert set(ledger.run_results(conn, subset)) == {"tests/test_a.py::test_1"}
    assert len(ledger.history(conn, "tests/test_a.py::test_1")) == 3
    assert [h.scope for h in ledger.history(conn, "tests/test_a.py::test_2")] == ["full", "full"]


def test_a_run_finishing_after_a_later_run_does_not_rewrite_that_run(
    conn: sqlite3.Connection,
) -> None:
    """Two concurrent runs: B (started second) finishes first; A then records a change."""
    node = "tests/test_a.py::test_3"
    record(conn, SUITE)
    start = ledger.RunStart("full", {}, "tree", None, "enforce", "standard", 0)
    run_a = ledger.start_run(conn, start)
    run_b = record(conn, SUITE)
    judged = [
        (
            observed(n, *((Outcome.FAILED, "d9") if n == node else (Outcome.PASSED, "d1"))),
            TestVerdict(n, Verdict.RED if n == node else Verdict.UNCHANGED),
        )
        for n in SUITE
    ]
    ledger.finish_run(conn, ledger.RunEnd(run_a, "complete", 1, "RED", "", judged))

    assert ledger.run_results(conn, run_b)[node].outcome == "passed"
    assert ledger.run_results(conn, run_a)[node].outcome == "failed"


def test_results_recorded_before_the_change_encoding_stay_readable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as old:
        for statement in "".join(MIGRATIONS[:3]).split(";"):
            if statement.strip():
                old.execute(statement)
        old.execute("PRAGMA user_version = 3")
        old.execute(
            "INSERT INTO runs (id, started, status, scope, scope_detail, tree_id, mode, policy)"
            " VALUES (1, 0, 'complete', 'full', '{}', 't', 'enforce', 'standard')"
        )
        old.executemany(
            "INSERT INTO results (run_id, nodeid, outcome, verdict, digest)"
            " VALUES (1, ?, 'passed', 'unchanged', 'd1')",
            [(n,) for n in SUITE],
        )

    with contextlib.closing(connect(path)) as conn:
        rebuilt_old = ledger.run_results(conn, 1)
        new = record(conn, SUITE)

        assert set(rebuilt_old) == set(SUITE)
        assert stored_rows(conn) == 50  # the migrated last results make the rerun a no-op
        assert set(ledger.run_results(conn, new)) == set(SUITE)
        assert [h.run_id for h in ledger.history(conn, "tests/test_a.py::test_0")] == [1, new]
        assert [r.tests for r in ledger.recent_runs(conn)] == [50, 50]
