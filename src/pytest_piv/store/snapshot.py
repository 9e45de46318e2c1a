"""The warm-start snapshot: the ledger tables a run starts from, in one file beside the store.

Reading 2,000 tests, their proofs, 4,000 files and their result signatures from SQLite
and turning them into Python objects is a noticeable share of what ``pytest --piv`` adds
to a run. The snapshot holds the same rows (:class:`~pytest_piv.store.ledger.LedgerRows`)
marshalled, with the store's id and the ledger's generation they were read at (a count
and a random token, both moved by every change to a ledger table, whoever makes it: a
trigger does). It is used only while the store is still at that generation, so it can
never show a run an outdated ledger, nor another copy's. A
missing, damaged, foreign or outdated snapshot is ignored and the tables are read; the
run that changed the ledger writes a fresh one. It is a cache: deleting it loses nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple

from pytest_piv.cachefile import read_cache, shared_strings, write_cache
from pytest_piv.errors import StoreError
from pytest_piv.store import ledger
from pytest_piv.store.db import SNAPSHOT_SUFFIX, beside
from pytest_piv.store.health import RESET_HINT

#: the file's first bytes; a new layout of the rows gets a new magic
MAGIC = b"piv-ledger-snapshot-2\n"


def snapshot_path(db: Path) -> Path:
    return beside(db, SNAPSHOT_SUFFIX)


class Loaded(NamedTuple):
    """The rows a run starts from, and whether they came from the snapshot."""

    rows: ledger.LedgerRows
    from_snapshot: bool


def load(conn: sqlite3.Connection, path: Path | None) -> Loaded:
    """The ledger rows at the store's current generation: from the snapshot when it is
    of this store and this generation, else from the tables (always, when *path* is None:
    ``[tool.piv.rgr] cache = false``)."""
    now = ledger.generation(conn)
    rows = None if path is None else read_snapshot(path, now)
    if rows is not None:
        return Loaded(rows, True)
    return Loaded(ledger.read_rows(conn), False)


def read_snapshot(path: Path, generation: ledger.Generation) -> ledger.LedgerRows | None:
    data = read_cache(path, MAGIC)
    try:
        store_id, number, token, *tables = data
        rows = ledger.LedgerRows(ledger.Generation(store_id, number, token), *tables)
    except (TypeError, ValueError):  # None, or not the layout this MAGIC promises
        return None
    then = rows.generation
    if then.store_id == generation.store_id and then.number > generation.number:
        db = path.with_name(path.name.removesuffix(SNAPSHOT_SUFFIX))
        raise StoreError(
            f"{db} is at ledger generation {generation.number}, but {path} was taken from it "
            f"at generation {then.number}: the store lost recorded changes (a damaged or "
            f"emptied WAL, or an older copy put back); if you put an older copy back on "
            f"purpose, delete {path.name}; otherwise {RESET_HINT}"
        )
    return rows if then == generation else None


def write_snapshot(path: Path, rows: ledger.LedgerRows) -> None:
    """Replace the snapshot atomically (a half-written one is never read)."""
    # one object per distinct string: half the size and half the memory of a loaded run
    write_cache(path, MAGIC, (*rows.generation, *shared_strings(rows[1:])))


def refresh(
    conn: sqlite3.Connection, path: Path | None, start: Loaded, now: ledger.Generation
) -> bool:
    """After a run's write, which left the store at generation *now*: rewrite the snapshot
    unless the run started from it and left the ledger as it was, or there is none to keep.
    Returns whether it was written."""
    if path is None:
        return False
    if start.from_snapshot and now == start.rows.generation:
        return False
    write_snapshot(path, ledger.read_rows(conn))
    return True
