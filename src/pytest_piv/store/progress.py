"""What the ledger says about progress: each known test's last outcome and the last run."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple


class TestOutcome(NamedTuple):
    nodeid: str
    outcome: str
    #: 1 when the test's failure is a valid RED waiting to turn green
    pending_red: bool


def test_outcomes(conn: sqlite3.Connection) -> list[TestOutcome]:
    """Every test the ledger knows, with the outcome of its last run, by node id."""
    return [
        TestOutcome(str(nodeid), str(outcome), bool(valid_red) and outcome in ("failed", "error"))
        for nodeid, outcome, valid_red in conn.execute(
            "SELECT nodeid, outcome, valid_red FROM tests ORDER BY nodeid"
        )
    ]


def last_phase(conn: sqlite3.Connection) -> tuple[int, str | None, str | None] | None:
    """``(run id, phase, headline)`` of the newest finished run, or None."""
    row = conn.execute(
        "SELECT id, phase, headline FROM runs WHERE finished IS NOT NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return (int(row[0]), row[1], row[2]) if row else None
