"""Opening the SQLite store: WAL, busy timeout, versioned schema, recovery messages."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from pytest_piv.errors import StoreError
from pytest_piv.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_S = 60.0
#: the caches beside the store: the warm-start snapshot (store/snapshot.py) and the
#: parsed git listing (vcs.py)
SNAPSHOT_SUFFIX = "-snapshot"
LISTING_SUFFIX = "-listing"
RESET_HINT = "run `piv state reset` to move it aside as a backup and start a new store"


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and if needed create and migrate) the store at *path*."""
    if not create and not path.exists():
        raise StoreError(f"{path}: no piv store yet (hint: run `pytest --piv` first)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path.parent}: cannot create the store directory ({exc})") from None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the piv store ({exc})") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        _check_version(path, version)
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            _migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise unreadable(path, exc) from None
    except StoreError:
        conn.close()
        raise
    return conn


def unreadable(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """The error for a store SQLite cannot read (not a database, or corrupt pages)."""
    return StoreError(f"{path} is not a readable piv store ({exc}); {RESET_HINT}")


def _check_version(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, newer than this pytest-piv knows "
            f"({SCHEMA_VERSION}); upgrade pytest-piv, or {RESET_HINT}"
        )


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    with write(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        _check_version(path, version)
        for number in range(version, SCHEMA_VERSION):
            for statement in statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")


def statements(script: str) -> list[str]:
    """The SQL statements of *script*, split at the semicolons that end one (not those
    inside a trigger's body): ``executescript`` would commit the migration's transaction."""
    found: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending)
            pending = ""
    if pending.strip(" \n;"):
        found.append(pending)
    return found


@contextlib.contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read-then-write transaction (``BEGIN IMMEDIATE``), retried while the file is busy."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise StoreError(
                    f"the piv store stayed locked for {BUSY_TIMEOUT_S:.0f} s"
                ) from None
            time.sleep(0.05)
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def beside(db: Path, suffix: str) -> Path:
    """A file that belongs with the store: ``.piv/piv.db`` + ``-snapshot``."""
    return db.with_name(db.name + suffix)


def integrity_ok(path: Path) -> bool:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def reset(path: Path) -> Path | None:
    """Move the store (and its WAL files) aside as a timestamped backup; return the backup."""
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.bak-{stamp}-{n}")
        n += 1
    path.rename(backup)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(backup.with_name(backup.name + suffix))
    # the caches beside it go with it
    for suffix in (SNAPSHOT_SUFFIX, LISTING_SUFFIX):
        beside(path, suffix).unlink(missing_ok=True)
    return backup
