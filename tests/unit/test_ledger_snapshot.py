"""The ledger's warm-start snapshot: a copy of the ledger tables a run starts from, valid
only while the store's generation is the one it was taken at (real SQLite, real files)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_piv.rgr.digests import TestDigest
from pytest_piv.rgr.model import Observation, Outcome, Red, RedKind
from pytest_piv.rgr.rules import TestVerdict, Verdict
from pytest_piv.store import connect, ledger, reset, snapshot
from pytest_piv.store.schema import MIGRATIONS


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / ".piv" / "piv.db"


@pytest.fixture
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(connect(db)) as c:
        yield c


def observed(nodeid: str, outcome: Outcome, digest: str = "d1") -> Observation:
    red = Red(RedKind.ASSERTION, "tests/test_a.py", 3, "assert 1 == 2") if outcome.is_red else None
    return Observation(nodeid, outcome, digest, nodeid, digest, red)


def record(
    conn: sqlite3.Connection,
    results: dict[str, tuple[Outcome, Verdict]],
    *,
    known: ledger.LedgerRows | None = None,
    test_digests: dict[str, dict[str, TestDigest]] | None = None,
) -> ledger.Generation:
    run_id = ledger.start_run(
        conn, ledger.RunStart("full", {}, "tree", None, "enforce", "standard", 0)
    )
    judged = [
        (observed(n, outcome), TestVerdict(n, verdict)) for n, (outcome, verdict) in results.items()
    ]
    proofs = [(n, "d1", "red") for n, (_, v) in results.items() if v is Verdict.RED]
    end = ledger.RunEnd(
        run_id,
        "complete",
        0,
        "RED",
        "",
        judged,
        proofs=proofs,
        files={"src/a.py": ("f1", "source"), "tests/test_a.py": ("t1", "test")},
        test_digests=test_digests or {},
    )
    return ledger.finish_run(conn, end, known)


RED = {"tests/test_a.py::test_new": (Outcome.FAILED, Verdict.RED)}
GREEN = {"tests/test_a.py::test_new": (Outcome.PASSED, Verdict.GREEN)}
DIGESTS = {"t1": {"test_new": TestDigest("test_new", "b1", "f1")}}


def red_run_with_snapshot(conn: sqlite3.Connection, db: Path) -> Path:
    """A recorded run with a red test and its digests, and a snapshot taken after it."""
    record(conn, RED, test_digests=DIGESTS)
    path = snapshot.snapshot_path(db)
    snapshot.write_snapshot(path, ledger.read_rows(conn))
    return path


def test_writes_to_the_ledger_tables_move_the_generation_and_run_bookkeeping_does_not(
    conn: sqlite3.Connection,
) -> None:
    first = ledger.generation(conn)
    ledger.start_run(conn, ledger.RunStart("full", {}, "tree", None, "enforce", "standard", 0))
    ledger.close_abandoned_runs(conn)
    assert ledger.generation(conn) == first

    after_run = record(conn, RED, test_digests=DIGESTS)
    assert after_run.store_id == first.store_id
    assert after_run.number > first.number
    assert ledger.generation(conn) == after_run

    ledger.accept(conn, "tests/test_a.py::test_new", "pins old behaviour")
    assert ledger.generation(conn).number > after_run.number


def test_an_unchanged_rerun_leaves_the_generation_alone(conn: sqlite3.Connection) -> None:
    record(conn, RED, test_digests=DIGESTS)
    record(conn, {"tests/test_a.py::test_new": (Outcome.FAILED, Verdict.STILL_RED)})
    settled = ledger.generation(conn)

    record(conn, {"tests/test_a.py::test_new": (Outcome.FAILED, Verdict.STILL_RED)})

    assert ledger.generation(conn) == settled


def test_the_snapshot_loads_the_same_ledger_and_test_digests_as_the_tables(
    conn: sqlite3.Connection, db: Path
) -> None:
    path = red_run_with_snapshot(conn, db)

    loaded = snapshot.load(conn, path)

    assert loaded.from_snapshot
    tables = ledger.ledger_of(ledger.read_rows(conn), adopted=ledger.adopted(conn))
    assert ledger.ledger_of(loaded.rows, adopted=True) == tables
    assert ledger.test_digests_of(loaded.rows) == DIGESTS


def test_a_snapshot_is_ignored_once_another_writer_changed_the_ledger(
    conn: sqlite3.Connection, db: Path
) -> None:
    path = red_run_with_snapshot(conn, db)
    with contextlib.closing(connect(db)) as other:  # e.g. `piv rgr accept` in a terminal
        ledger.accept(other, "tests/test_a.py::test_new", "pins old behaviour")

    loaded = snapshot.load(conn, path)

    assert not loaded.from_snapshot
    assert ("tests/test_a.py::test_new", "d1") in ledger.ledger_of(loaded.rows, True).proofs
    assert len([p for p in loaded.rows.proofs if p[0] == "tests/test_a.py::test_new"]) == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated by a crash
        lambda data: data[:40] + bytes(len(data) - 40),  # zeroed pages
        lambda data: b"not a snapshot at all",
        lambda data: b"",
    ],
    ids=["truncated", "zeroed", "foreign", "empty"],
)
def test_a_damaged_snapshot_is_ignored_and_the_tables_are_read(
    conn: sqlite3.Connection, db: Path, damage: object
) -> None:
    path = red_run_with_snapshot(conn, db)
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]

    loaded = snapshot.load(conn, path)

    assert not loaded.from_snapshot
    assert loaded.rows == ledger.read_rows(conn)


def test_a_snapshot_of_a_store_that_was_reset_is_ignored(db: Path) -> None:
    with contextlib.closing(connect(db)) as old:
        record(old, RED, test_digests=DIGESTS)
        snapshot.write_snapshot(snapshot.snapshot_path(db), ledger.read_rows(old))
    reset(db)
    assert not snapshot.snapshot_path(db).exists()  # the reset removes the cache with it

    with contextlib.closing(connect(db)) as fresh:
        # even a snapshot left behind by hand belongs to another store
        snapshot.write_snapshot(snapshot.snapshot_path(db), ledger.read_rows(fresh))
        fresh.execute("UPDATE ledger_generation SET store_id = 'another store'")
        loaded = snapshot.load(fresh, snapshot.snapshot_path(db))

    assert not loaded.from_snapshot
    assert loaded.rows.tests == []


def test_a_run_that_changed_the_ledger_refreshes_the_snapshot_and_a_rerun_does_not(
    conn: sqlite3.Connection, db: Path
) -> None:
    path = snapshot.snapshot_path(db)
    start = snapshot.load(conn, path)
    now = record(conn, RED, known=start.rows, test_digests=DIGESTS)
    assert snapshot.refresh(conn, path, start, now)  # written: the store moved on

    rerun = snapshot.load(conn, path)
    assert rerun.from_snapshot
    still_red = {"tests/test_a.py::test_new": (Outcome.FAILED, Verdict.STILL_RED)}
    now = record(conn, still_red, known=rerun.rows)
    assert snapshot.refresh(conn, path, rerun, now)  # the red test's row changed (still red)

    settled = snapshot.load(conn, path)
    now = record(conn, still_red, known=settled.rows)
    assert not snapshot.refresh(conn, path, settled, now)
    assert snapshot.load(conn, path).from_snapshot


def test_the_end_of_a_run_reads_the_tables_again_when_another_writer_came_between(
    conn: sqlite3.Connection, db: Path
) -> None:
    record(conn, GREEN | {"tests/test_a.py::test_old": (Outcome.PASSED, Verdict.ADOPTED)})
    start = snapshot.load(conn, snapshot.snapshot_path(db))  # the tests pass at load
    with contextlib.closing(connect(db)) as other:  # a concurrent run sees test_new fail
        record(other, {"tests/test_a.py::test_new": (Outcome.FAILED, Verdict.RED)})

    # this run saw it pass: from the stale rows it would look unchanged and not be written
    record(conn, GREEN, known=start.rows)

    row = conn.execute(
        "SELECT outcome FROM tests WHERE nodeid = 'tests/test_a.py::test_new'"
    ).fetchone()
    assert row == ("passed",)


def test_a_store_of_schema_4_gains_a_generation_when_it_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as old:
        for number in range(4):
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    old.execute(statement)
        old.execute("PRAGMA user_version = 4")
        old.execute(
            "INSERT INTO tests (nodeid, digest, outcome, valid_red, run_id) VALUES"
            " ('tests/t.py::test_x', 'd', 'passed', 0, 1)"
        )

    with contextlib.closing(connect(path)) as conn:
        before = ledger.generation(conn)
        conn.execute("DELETE FROM tests")
        assert ledger.generation(conn).number == before.number + 1
        assert len(before.store_id) == 32
