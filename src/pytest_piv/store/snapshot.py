"""The warm-start snapshot: the ledger tables a run starts from, in one file beside the store.

Reading 2,000 tests, their proofs, 4,000 files and their result signatures from SQLite
and turning them into Python objects is a noticeable share of what ``pytest --piv`` adds
to a run. The snapshot holds the same rows (:class:`~pytest_piv.store.ledger.LedgerRows`)
marshalled, with the store's id and the ledger's generation they were read at. It is used
only while the store is still at that generation (every change to a ledger table moves
it, whoever makes it: a trigger does), so it can never show a run an outdated ledger. A
missing, damaged, foreign or outdated snapshot is ignored and the tables are read; the
run that changed the ledger writes a fresh one. It is a cache: deleting it loses nothing.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sqlite3
import tempfile
import zlib
from pathlib import Path
from typing import NamedTuple

from pytest_piv.store import ledger
from pytest_piv.store.db import SNAPSHOT_SUFFIX

#: the file's first bytes; a new layout of the rows gets a new magic
MAGIC = b"piv-ledger-snapshot-1\n"
_CHECKSUM = 4  # bytes of CRC-32 after the magic


def snapshot_path(db: Path) -> Path:
    return db.with_name(db.name + SNAPSHOT_SUFFIX)


class Loaded(NamedTuple):
    """The rows a run starts from, and whether they came from the snapshot."""

    rows: ledger.LedgerRows
    from_snapshot: bool


def load(conn: sqlite3.Connection, path: Path) -> Loaded:
    """The ledger rows at the store's current generation: from the snapshot when it is
    of this store and this generation, else from the tables."""
    rows = read_snapshot(path, ledger.generation(conn))
    if rows is not None:
        return Loaded(rows, True)
    return Loaded(ledger.read_rows(conn), False)


def read_snapshot(path: Path, generation: ledger.Generation) -> ledger.LedgerRows | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[len(MAGIC) + _CHECKSUM :]
    if not data.startswith(MAGIC) or data[len(MAGIC) : len(MAGIC) + _CHECKSUM] != _crc(body):
        return None
    try:
        store_id, number, *tables = marshal.loads(body)
        rows = ledger.LedgerRows(ledger.Generation(store_id, number), *tables)
    except (EOFError, ValueError, TypeError):
        return None
    return rows if rows.generation == generation else None


def write_snapshot(path: Path, rows: ledger.LedgerRows) -> None:
    """Replace the snapshot atomically; a snapshot that cannot be written is no error."""
    body = marshal.dumps((*rows.generation, *rows[1:]))
    with contextlib.suppress(OSError):
        fd, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + _crc(body) + body)
            Path(temporary).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise


def refresh(conn: sqlite3.Connection, path: Path, start: Loaded) -> bool:
    """After a run's write: rewrite the snapshot unless the run started from it and left
    the ledger as it was. Returns whether it was written."""
    if start.from_snapshot and ledger.generation(conn) == start.rows.generation:
        return False
    write_snapshot(path, ledger.read_rows(conn))
    return True


def _crc(body: bytes) -> bytes:
    return zlib.crc32(body).to_bytes(_CHECKSUM, "big")
