"""Memory-profiled runs with each test's peak, and import times: the profiling history."""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pytest_piv.store.db import write


@dataclass(frozen=True)
class TestPeak:
    """One test's memory in one profiled run."""

    nodeid: str
    peak: int
    leaked: int
    limit: int | None = None
    verdict: str | None = None


def record_memory(
    conn: sqlite3.Connection,
    name: str,
    mode: str,
    peaks: Mapping[str, TestPeak],
    *,
    session_peak: int | None = None,
    head: str | None = None,
) -> int:
    """Store one profiled run and its tests' peaks; return the run id."""
    with write(conn):
        cursor = conn.execute(
            "INSERT INTO profile_runs (name, started, mode, session_peak, head)"
            " VALUES (?, ?, ?, ?, ?)",
            (name, time.time(), mode, session_peak, head),
        )
        run_id = int(cursor.lastrowid or 0)
        conn.executemany(
            "INSERT INTO memory_peaks (run_id, nodeid, peak, leaked, limit_bytes, verdict)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (run_id, p.nodeid, p.peak, p.leaked, p.limit, p.verdict)
                for _, p in sorted(peaks.items())
            ],
        )
    return run_id


def latest_peaks(conn: sqlite3.Connection, before: int | None = None) -> dict[str, TestPeak]:
    """Each test's peak in the newest profiled run that measured it (before run ``before``)."""
    rows = conn.execute(
        "SELECT nodeid, peak, leaked, limit_bytes, verdict FROM memory_peaks AS m"
        " WHERE run_id = (SELECT MAX(run_id) FROM memory_peaks AS n"
        "   WHERE n.nodeid = m.nodeid AND (? IS NULL OR n.run_id < ?))",
        (before, before),
    ).fetchall()
    return {r[0]: TestPeak(r[0], int(r[1]), int(r[2]), r[3], r[4]) for r in rows}


def record_import(
    conn: sqlite3.Connection, machine: str, module: str, seconds: float, passed: bool
) -> None:
    """Keep one measured import time."""
    with write(conn):
        conn.execute(
            "INSERT INTO import_times (recorded, machine, module, seconds, passed)"
            " VALUES (?, ?, ?, ?, ?)",
            (time.time(), machine, module, seconds, int(passed)),
        )


def import_baseline(
    conn: sqlite3.Connection, machine: str, module: str, last: int = 5
) -> float | None:
    """The median of the last ``last`` passing import times of ``module`` on ``machine``."""
    rows = conn.execute(
        "SELECT seconds FROM import_times WHERE machine = ? AND module = ? AND passed = 1"
        " ORDER BY id DESC LIMIT ?",
        (machine, module, last),
    ).fetchall()
    return statistics.median(r[0] for r in rows) if rows else None


def baseline_head(conn: sqlite3.Connection, machine: str, name: str) -> str | None:
    """The commit the newest baseline run of benchmark ``name`` on ``machine`` ran at."""
    row = conn.execute(
        "SELECT r.head FROM bench_baselines AS b JOIN bench_runs AS r ON r.id = b.run_id"
        " WHERE b.machine = ? AND b.name = ? ORDER BY b.run_id DESC LIMIT 1",
        (machine, name),
    ).fetchone()
    return str(row[0]) if row and row[0] else None
