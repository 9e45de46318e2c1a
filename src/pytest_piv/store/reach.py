"""Each test's recorded reach: the source files it ran (see :mod:`pytest_piv.rgr.reach`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from pytest_piv.rgr.reach import Reach
from pytest_piv.store.db import write


def record_reach(conn: sqlite3.Connection, run_id: int, reach: Mapping[str, Reach]) -> None:
    """Replace the reach of the tests in *reach* with what run *run_id* saw."""
    rows = [
        (nodeid, run_id, int(r.passed), "\n".join(sorted(r.files))) for nodeid, r in reach.items()
    ]
    with write(conn):
        conn.executemany(
            "INSERT INTO reach (nodeid, run_id, passed, files) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(nodeid) DO UPDATE SET run_id = excluded.run_id,"
            " passed = excluded.passed, files = excluded.files",
            rows,
        )


def load_reach(conn: sqlite3.Connection) -> dict[str, Reach]:
    """Every recorded test's reach, by node id (empty when none was recorded)."""
    return {
        nodeid: Reach(frozenset(f for f in files.split("\n") if f), bool(passed))
        for nodeid, passed, files in conn.execute("SELECT nodeid, passed, files FROM reach")
    }


def forget_reach(conn: sqlite3.Connection, nodeids: list[str]) -> None:
    """Drop the reach of tests that are gone."""
    with write(conn):
        conn.executemany("DELETE FROM reach WHERE nodeid = ?", [(n,) for n in nodeids])
