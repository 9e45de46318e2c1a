"""Opening the SQLite store: WAL, busy timeout, versioned schema, recovery messages."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from pytest_piv.errors import StoreError
from pytest_piv.store.health import RESET_HINT, check_files, diagnose, unreadable
from pytest_piv.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_S = 60.0
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: the caches beside the store: the warm-start snapshot (store/snapshot.py) and the
#: parsed git listing (vcs.py)
SNAPSHOT_SUFFIX = "-snapshot"
LISTING_SUFFIX = "-listing"
#: the store, its WAL and everything beside it are the user's alone: they hold copies of
#: uncommitted source
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700

__all__ = ["RESET_HINT", "connect", "unreadable", "write"]


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and if needed create and migrate) the store at *path*.

    Every failure is a :class:`StoreError` that tells a read-only place, a full disk and a
    damaged file apart (``store/health.py``); a damaged store or WAL is refused, never
    replaced, and an empty store file whose caches show it had a history is not adopted
    afresh.
    """
    if not create and not path.exists():
        raise StoreError(f"{path}: no piv store yet (hint: run `pytest --piv` first)")
    created = _create_private(path)
    check_files(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise diagnose(path, exc) from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        _check_version(path, version)
        if version == 0 and not created:
            _refuse_lost_history(path, conn)
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            _migrate(conn, path)
    except (sqlite3.Error, OSError) as exc:
        conn.close()
        raise diagnose(path, exc) from None
    except StoreError:
        conn.close()
        raise
    return conn


def _create_private(path: Path) -> bool:
    """Create the store's directory (700) and empty file (600) unless they exist; return
    whether the file was created now. An existing store readable by others is made private."""
    try:
        path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    except OSError as exc:
        raise diagnose(path, exc) from None
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW, PRIVATE_FILE))
    except FileExistsError:
        with contextlib.suppress(OSError):
            mode = path.stat().st_mode & 0o777
            if mode & 0o077 and path.stat().st_uid == os.getuid():
                path.chmod(mode & 0o700)
        return False
    except OSError as exc:
        raise diagnose(path, exc) from None
    return True


def _refuse_lost_history(path: Path, conn: sqlite3.Connection) -> None:
    """An empty store beside the caches of a store with a history: the history was lost
    (the file truncated or deleted); adopting afresh would hide that."""
    if conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
        return
    signs = [p for p in (beside(path, SNAPSHOT_SUFFIX),) if p.exists() and p.stat().st_size]
    if signs:
        conn.close()
        raise StoreError(
            f"{path} is empty, but {signs[0]} beside it was taken from a store with a "
            f"history: the store was truncated or deleted; {RESET_HINT} (or restore it from "
            "a backup)"
        )


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
    """Move the store and its WAL files aside as a timestamped backup; return the backup.

    Nothing is deleted but the caches beside it (they only ever repeat the store). A
    store that cannot be moved (a read-only directory) is a :class:`StoreError`.
    """
    sides = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if not path.exists() and not any(side.exists() for side in sides):
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while any(p.exists() for p in (backup, *_sides_of(backup))):
        backup = path.with_name(f"{path.name}.bak-{stamp}-{n}")
        n += 1
    try:
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(errno.EACCES, "not writable", str(path.parent))
        for source, target in zip((path, *sides), (backup, *_sides_of(backup)), strict=True):
            if source.exists():
                source.rename(target)
        # the caches beside it go with it: they repeat what the store held
        for suffix in (SNAPSHOT_SUFFIX, LISTING_SUFFIX):
            beside(path, suffix).unlink(missing_ok=True)
    except OSError as exc:
        raise diagnose(path, exc) from None
    return backup


def _sides_of(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
