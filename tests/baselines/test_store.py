"""The benchmark tables of the store: runs, samples, baselines, verdicts, history."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_piv.store import bench as store
from pytest_piv.store import connect


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect(tmp_path / ".piv" / "piv.db")
    yield connection
    connection.close()


def run(conn: sqlite3.Connection, machine: str = "m", **times: list[float]) -> int:
    samples = {name: store.Samples(2, tuple(t)) for name, t in times.items()}
    return store.record_run(conn, store.NewRun(machine, '{"cpu": "x"}', load_before=0.5), samples)


def test_raw_samples_round_trip_exactly(conn: sqlite3.Connection) -> None:
    run_id = run(conn, a=[1e-6, 2.5e-6, 1.25e-6])
    assert store.samples_of(conn, run_id) == {"a": store.Samples(2, (1e-6, 2.5e-6, 1.25e-6))}
    found = store.run_by_id(conn, run_id)
    assert found is not None
    assert (found.machine, found.source, found.load_before) == ("m", "pytest", 0.5)


def test_a_baseline_points_at_runs_per_machine_and_moves_without_deleting(
    conn: sqlite3.Connection,
) -> None:
    first = run(conn, a=[1.0], b=[2.0])
    second = run(conn, a=[3.0])
    assert store.baseline(conn, "m") == {}
    assert store.save_baseline(conn, "m", [first]) == ["a", "b"]
    assert store.baseline(conn, "m") == {"a": [(1.0,)], "b": [(2.0,)]}
    assert store.save_baseline(conn, "m", [second]) == ["a"]
    assert store.baseline(conn, "m") == {"a": [(3.0,)], "b": [(2.0,)]}
    assert store.baseline(conn, "other") == {}
    assert store.samples_of(conn, first)["a"].times == (1.0,)


def test_a_baseline_of_several_runs_keeps_each_run(conn: sqlite3.Connection) -> None:
    ids = [run(conn, a=[float(i)]) for i in (1, 2)]
    store.save_baseline(conn, "m", ids)
    assert store.baseline(conn, "m") == {"a": [(1.0,), (2.0,)]}
    assert [r.id for r in store.recent_runs(conn, "m", limit=2)] == ids[::-1]


def test_baseline_machines_give_the_fingerprint_to_compare_with(
    conn: sqlite3.Connection,
) -> None:
    store.save_baseline(conn, "ci", [run(conn, machine="ci", a=[1.0])])
    assert store.baseline_machines(conn) == {"ci": '{"cpu": "x"}'}


def test_verdicts_and_history_read_back_what_was_judged(conn: sqlite3.Connection) -> None:
    first = run(conn, a=[1.0, 3.0])
    store.save_baseline(conn, "m", [first])
    second = run(conn, a=[2.0, 4.0, 6.0])
    row = store.VerdictRow(
        "a", "regressed", 0.1, 2.0, 1.5, 2.5, "slower", (1.0, 2.0, 2), (2.0, 4.0, 3)
    )
    store.record_verdicts(conn, second, [row])
    assert store.verdicts_of(conn, second) == [row]
    points = store.history(conn, "a")
    assert [(p.run_id, p.min, p.median, p.rounds, p.verdict, p.baseline) for p in points] == [
        (first, 1.0, 2.0, 2, None, True),
        (second, 2.0, 4.0, 3, "regressed", False),
    ]
    assert store.latest_run(conn) == store.run_by_id(conn, second)
    assert store.known_names(conn) == ["a"]
