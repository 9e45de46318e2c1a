"""The cache of ``piv verify``: each replayed run's result and ledger, by its chain key.

It is a SQLite file of its own (``.piv/verify-cache.db`` beside the store by default), so
CI can carry it between runs as one file. Entries are only ever added; a key names the
content of every run before it, so an entry can never be stale.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import zlib
from pathlib import Path

from pytest_piv.errors import StoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS verify_steps (
    key TEXT PRIMARY KEY,
    result TEXT NOT NULL,
    ledger BLOB NOT NULL,
    created REAL NOT NULL
)
"""
CACHE_VERSION = 1


def open_cache(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the verify cache at *path*."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=60.0, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{path}: cannot open the verify cache ({exc})") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > CACHE_VERSION:
            raise StoreError(
                f"{path}: a verify cache from a newer pytest-piv (hint: upgrade, or pass "
                "--no-cache)"
            )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(_SCHEMA)
        conn.execute(f"PRAGMA user_version = {CACHE_VERSION}")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            f"{path} is not a readable verify cache ({exc}) (hint: delete it, it is a cache)"
        ) from None
    except StoreError:
        conn.close()
        raise
    return conn


def load_step(conn: sqlite3.Connection, key: str) -> tuple[str, bytes] | None:
    """The result (JSON text) and ledger image of the run keyed *key*, if cached."""
    row = conn.execute("SELECT result, ledger FROM verify_steps WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    try:
        return str(row[0]), zlib.decompress(row[1])
    except zlib.error:
        return None


def save_step(conn: sqlite3.Connection, key: str, result: str, ledger_image: bytes) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO verify_steps (key, result, ledger, created) VALUES (?, ?, ?, ?)",
        (key, result, zlib.compress(ledger_image, 6), time.time()),
    )


def ledger_image(db: Path) -> bytes:
    """The whole store at *db* as one database image (its WAL folded in)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.serialize()


def write_ledger_image(db: Path, image: bytes) -> None:
    """Replace the store at *db* (and everything beside it) with *image*."""
    db.parent.mkdir(parents=True, exist_ok=True)
    for sibling in db.parent.glob(db.name + "*"):
        sibling.unlink()
    db.write_bytes(image)
