"""Each test's recorded reach: the source files it ran (see :mod:`pytest_piv.rgr.reach`).

The ``files`` column holds one line per file and, when the functions were recorded, the
line ``::functions`` followed by one ``path::qualname`` line per function called (rows
written before that have files only, and are judged by file).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from pytest_piv.rgr.reach import Reach
from pytest_piv.store.db import write

#: the line after which the functions a test called are listed
FUNCTIONS = "::functions"


def record_reach(conn: sqlite3.Connection, run_id: int, reach: Mapping[str, Reach]) -> None:
    """Replace the reach of the tests in *reach* with what run *run_id* saw."""
    rows = [(nodeid, run_id, int(r.passed), encode_reach(r)) for nodeid, r in reach.items()]
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
        nodeid: decode_reach(files, bool(passed))
        for nodeid, passed, files in conn.execute("SELECT nodeid, passed, files FROM reach")
    }


def encode_reach(reach: Reach) -> str:
    """A reach as text: its files, then the marker line and its functions."""
    lines = sorted(reach.files)
    if reach.functions is not None:
        lines += [FUNCTIONS, *sorted(reach.functions)]
    return "\n".join(lines)


def decode_reach(text: str, passed: bool) -> Reach:
    """The reach :func:`encode_reach` wrote."""
    files, marker, functions = text.partition(FUNCTIONS)
    return Reach(
        frozenset(f for f in files.split("\n") if f),
        passed,
        frozenset(f for f in functions.split("\n") if f) if marker else None,
    )


def forget_gone_tests(conn: sqlite3.Connection) -> None:
    """Drop the reach of tests the ledger no longer has (a full run forgets the tests it
    did not see; their reach goes with them)."""
    with write(conn):
        conn.execute("DELETE FROM reach WHERE nodeid NOT IN (SELECT nodeid FROM tests)")
