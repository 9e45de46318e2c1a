"""Benchmark runs, their raw per-round samples, baselines and verdicts.

Samples are stored as packed little-endian float64 per-iteration seconds, one per round.
A baseline is a pointer from (machine, benchmark) to one or more runs; saving a new one
moves the pointer and never deletes a run, so ``piv bench history`` keeps the trend.
"""

from __future__ import annotations

import sqlite3
import time
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from pytest_piv.store.db import write


@dataclass(frozen=True)
class Samples:
    """One benchmark's per-iteration seconds in one run, one value per round."""

    iterations: int
    times: tuple[float, ...]


@dataclass(frozen=True)
class BenchRun:
    id: int
    started: float
    machine: str
    fingerprint: str
    source: str
    parent: int | None
    head: str | None
    load_before: float | None
    load_after: float | None


@dataclass(frozen=True)
class NewRun:
    machine: str
    fingerprint: str
    source: str = "pytest"
    parent: int | None = None
    head: str | None = None
    load_before: float | None = None
    load_after: float | None = None


@dataclass(frozen=True)
class VerdictRow:
    name: str
    verdict: str
    threshold: float
    ratio: float | None
    low: float | None
    high: float | None
    reason: str
    baseline: tuple[float, float, int] | None = None
    current: tuple[float, float, int] | None = None


@dataclass(frozen=True)
class HistoryPoint:
    run_id: int
    started: float
    machine: str
    source: str
    head: str | None
    rounds: int
    min: float
    median: float
    verdict: str | None
    baseline: bool


def _pack(times: Iterable[float]) -> bytes:
    values = array("d", times)
    if values.itemsize != 8:  # pragma: no cover - every CPython platform has 8-byte doubles
        raise RuntimeError("float64 expected")
    return values.tobytes()


def _unpack(blob: bytes) -> tuple[float, ...]:
    values = array("d")
    values.frombytes(blob)
    return tuple(values)


_RUN_COLUMNS = "id, started, machine, fingerprint, source, parent, head, load_before, load_after"


def _run(row: Any) -> BenchRun:
    return BenchRun(*row)


def record_run(conn: sqlite3.Connection, run: NewRun, samples: Mapping[str, Samples]) -> int:
    """Store one run and its samples; return the run id."""
    with write(conn):
        cursor = conn.execute(
            "INSERT INTO bench_runs (started, machine, fingerprint, source, parent, head,"
            " load_before, load_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                time.time(),
                run.machine,
                run.fingerprint,
                run.source,
                run.parent,
                run.head,
                run.load_before,
                run.load_after,
            ),
        )
        run_id = int(cursor.lastrowid or 0)
        conn.executemany(
            "INSERT INTO bench_samples (run_id, name, iterations, rounds, times)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (run_id, name, s.iterations, len(s.times), _pack(s.times))
                for name, s in sorted(samples.items())
            ],
        )
    return run_id


def samples_of(conn: sqlite3.Connection, run_id: int) -> dict[str, Samples]:
    rows = conn.execute(
        "SELECT name, iterations, times FROM bench_samples WHERE run_id = ? ORDER BY name",
        (run_id,),
    )
    return {name: Samples(int(it), _unpack(blob)) for name, it, blob in rows}


def run_by_id(conn: sqlite3.Connection, run_id: int) -> BenchRun | None:
    row = conn.execute(f"SELECT {_RUN_COLUMNS} FROM bench_runs WHERE id = ?", (run_id,)).fetchone()
    return _run(row) if row else None


def latest_run(conn: sqlite3.Connection, machine: str | None = None) -> BenchRun | None:
    """The newest run made by pytest (not a re-measure or an import), on ``machine``."""
    query = f"SELECT {_RUN_COLUMNS} FROM bench_runs WHERE source = 'pytest'"
    args: tuple[object, ...] = ()
    if machine is not None:
        query += " AND machine = ?"
        args = (machine,)
    row = conn.execute(query + " ORDER BY id DESC LIMIT 1", args).fetchone()
    return _run(row) if row else None


def recent_runs(
    conn: sqlite3.Connection, machine: str | None = None, limit: int = 5
) -> list[BenchRun]:
    query = f"SELECT {_RUN_COLUMNS} FROM bench_runs WHERE source = 'pytest'"
    args: tuple[object, ...] = ()
    if machine is not None:
        query += " AND machine = ?"
        args = (machine,)
    rows = conn.execute(query + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    return [_run(row) for row in rows]


def remeasures_of(conn: sqlite3.Connection, run_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM bench_runs WHERE parent = ? AND source = 'remeasure' ORDER BY id",
        (run_id,),
    )
    return [int(r[0]) for r in rows]


def baseline(conn: sqlite3.Connection, machine: str) -> dict[str, list[tuple[float, ...]]]:
    """Per benchmark, the sample sets of the runs that form ``machine``'s baseline."""
    rows = conn.execute(
        "SELECT b.name, s.times FROM bench_baselines b"
        " JOIN bench_samples s ON s.run_id = b.run_id AND s.name = b.name"
        " WHERE b.machine = ? ORDER BY b.name, b.run_id",
        (machine,),
    )
    found: dict[str, list[tuple[float, ...]]] = {}
    for name, blob in rows:
        found.setdefault(name, []).append(_unpack(blob))
    return found


def baseline_heads(conn: sqlite3.Connection, machine: str) -> dict[str, str | None]:
    """Per benchmark, the commit its newest baseline run was measured on (None: unknown)."""
    rows = conn.execute(
        "SELECT b.name, r.head FROM bench_baselines b JOIN bench_runs r ON r.id = b.run_id"
        " WHERE b.machine = ? ORDER BY b.name, b.run_id",
        (machine,),
    )
    return {str(name): head for name, head in rows}


def baseline_machines(conn: sqlite3.Connection) -> dict[str, str]:
    """Every machine key that has a baseline, with the fingerprint of its newest run."""
    rows = conn.execute(
        "SELECT b.machine, r.fingerprint FROM bench_baselines b"
        " JOIN bench_runs r ON r.id = b.run_id ORDER BY b.run_id"
    )
    return {str(machine): str(fp) for machine, fp in rows}


def save_baseline(
    conn: sqlite3.Connection,
    machine: str,
    run_ids: Sequence[int],
    names: Iterable[str] | None = None,
) -> list[str]:
    """Point ``machine``'s baseline of each benchmark in the runs at those runs.

    ``names`` limits it to some benchmarks (the others keep their baseline). Returns the
    benchmark names whose baseline moved.
    """
    wanted = set(names) if names is not None else None
    now = time.time()
    with write(conn):
        marks = ",".join("?" * len(run_ids))
        rows = conn.execute(
            f"SELECT DISTINCT name FROM bench_samples WHERE run_id IN ({marks})", tuple(run_ids)
        ).fetchall()
        moved = sorted(str(r[0]) for r in rows if wanted is None or r[0] in wanted)
        for name in moved:
            conn.execute(
                "DELETE FROM bench_baselines WHERE machine = ? AND name = ?", (machine, name)
            )
            conn.executemany(
                "INSERT INTO bench_baselines (machine, name, run_id, saved)"
                " SELECT ?, ?, ?, ? WHERE EXISTS"
                " (SELECT 1 FROM bench_samples WHERE run_id = ? AND name = ?)",
                [(machine, name, rid, now, rid, name) for rid in run_ids],
            )
    return moved


def record_verdicts(conn: sqlite3.Connection, run_id: int, rows: Sequence[VerdictRow]) -> None:
    with write(conn):
        conn.execute("DELETE FROM bench_verdicts WHERE run_id = ?", (run_id,))
        conn.executemany(
            "INSERT INTO bench_verdicts (run_id, name, verdict, threshold, ratio, low, high,"
            " reason, base_min, base_median, base_rounds, min, median, rounds)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    r.name,
                    r.verdict,
                    r.threshold,
                    r.ratio,
                    r.low,
                    r.high,
                    r.reason,
                    *(r.baseline or (None, None, None)),
                    *(r.current or (None, None, None)),
                )
                for r in rows
            ],
        )


def verdicts_of(conn: sqlite3.Connection, run_id: int) -> list[VerdictRow]:
    rows = conn.execute(
        "SELECT name, verdict, threshold, ratio, low, high, reason, base_min, base_median,"
        " base_rounds, min, median, rounds FROM bench_verdicts WHERE run_id = ? ORDER BY name",
        (run_id,),
    )
    return [
        VerdictRow(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            baseline=None if row[7] is None else (row[7], row[8], row[9]),
            current=None if row[10] is None else (row[10], row[11], row[12]),
        )
        for row in rows
    ]


def history(
    conn: sqlite3.Connection, name: str, machine: str | None = None, limit: int = 50
) -> list[HistoryPoint]:
    """The trend of one benchmark over runs, oldest first."""
    query = (
        "SELECT r.id, r.started, r.machine, r.source, r.head, s.times, v.verdict,"
        " EXISTS (SELECT 1 FROM bench_baselines b WHERE b.run_id = r.id AND b.name = s.name)"
        " FROM bench_samples s JOIN bench_runs r ON r.id = s.run_id"
        " LEFT JOIN bench_verdicts v ON v.run_id = r.id AND v.name = s.name"
        " WHERE s.name = ?"
    )
    args: tuple[object, ...] = (name,)
    if machine is not None:
        query += " AND r.machine = ?"
        args = (name, machine)
    rows = conn.execute(query + " ORDER BY r.id DESC LIMIT ?", (*args, limit)).fetchall()
    points = []
    for run_id, started, mach, source, head, blob, verdict, is_base in reversed(rows):
        times = _unpack(blob)
        points.append(
            HistoryPoint(
                int(run_id),
                float(started),
                str(mach),
                str(source),
                head,
                len(times),
                min(times),
                median(times),
                verdict,
                bool(is_base),
            )
        )
    return points


def known_names(conn: sqlite3.Connection) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT DISTINCT name FROM bench_samples ORDER BY 1")]
