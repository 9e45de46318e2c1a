"""What can be wrong with the store's files, told apart, each with its own fix.

A store can sit in a read-only directory, on a full disk (or behind a file-size limit),
or be damaged. Each is a :class:`StoreError` naming the file and the fix; only damage
suggests ``piv state reset``, which keeps the old files as a backup.

Two kinds of damage SQLite would hide, by design, are found here before it opens the
store: a write-ahead log whose committed frames cannot all be read (SQLite drops every
frame after the first bad one, and with them the last recorded runs), and an empty store
file beside a WAL that holds its history (SQLite would start a new database and delete
the WAL).
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import shutil
import sqlite3
import struct
import sys
import tempfile
from pathlib import Path

from pytest_piv.errors import StoreError

RESET_HINT = "run `piv state reset` to move it aside as a backup and start a new store"
#: the sqlite3 primary result codes this module tells apart
_READONLY, _CORRUPT, _FULL, _CANTOPEN, _NOTADB, _IOERR = 8, 11, 13, 14, 26, 10
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
#: less free space than this, and a write that failed is taken for a full disk
_NEARLY_FULL = 1 << 20


def wal_of(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def shm_of(db: Path) -> Path:
    return db.with_name(db.name + "-shm")


def damaged(path: Path, why: str) -> StoreError:
    return StoreError(f"{path} is damaged ({why}); {RESET_HINT}")


def unreadable(path: Path, exc: BaseException | str) -> StoreError:
    """The error for a store SQLite cannot read (not a database, or corrupt pages)."""
    return StoreError(f"{path} is not a readable piv store ({exc}); {RESET_HINT}")


def read_only(where: Path, exc: BaseException) -> StoreError:
    return StoreError(
        f"{where} is read-only, so the piv store cannot be written ({exc}); make it "
        f"writable (`chmod u+w {where}`) or point `db` (PIV_DB, --piv-db) at a writable path"
    )


def disk_full(db: Path, exc: BaseException) -> StoreError:
    return StoreError(
        f"{db.parent} is full: no space to write the piv store {db.name} ({exc}); free disk "
        "space (or raise the file-size limit, `ulimit -f`) and run again: the store is intact"
    )


def diagnose(db: Path, exc: BaseException) -> StoreError:
    """The :class:`StoreError` for *exc*, raised while opening, reading or writing the
    store at *db*: read-only, full, damaged, or another I/O error, told apart."""
    if isinstance(exc, StoreError):
        return exc
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    number = getattr(exc, "errno", None)
    if primary == _FULL or number in _FULL_ERRNOS:
        return disk_full(db, exc)
    refused = primary == _READONLY or number in _READ_ONLY_ERRNOS
    if refused or primary in (_CANTOPEN, _IOERR) or isinstance(exc, OSError):
        for where in (db.parent, db, wal_of(db), shm_of(db)):
            if where.exists() and not os.access(where, os.W_OK):
                return read_only(where, exc)
    if refused:
        named = getattr(exc, "filename", None)
        return read_only(Path(named) if named else db, exc)
    if primary in (_CANTOPEN, _IOERR) or isinstance(exc, OSError):
        if _out_of_space(db):
            return disk_full(db, exc)
        return StoreError(
            f"{db}: the piv store could not be read or written ({exc}); check the disk and "
            "its permissions, then run again"
        )
    return unreadable(db, exc)


def _out_of_space(db: Path) -> bool:
    """Whether a failed write hit a full disk or this process's file-size limit."""
    try:
        stats = os.statvfs(db.parent)
    except OSError:
        return False
    if stats.f_bavail * stats.f_frsize < _NEARLY_FULL:
        return True
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    sizes = [p.stat().st_size for p in (db, wal_of(db)) if p.exists()]
    return any(size + 65536 >= limit for size in sizes) or limit < 65536


# -- damage SQLite would hide ----------------------------------------------------------

_WAL_MAGIC = (0x377F0682, 0x377F0683)
_WAL_HEADER, _FRAME_HEADER = 32, 24
#: the byte of the -shm file every open connection holds a shared lock on (SQLite's
#: "dead man switch", os_unix.c: UNIX_SHM_DMS)
_SHM_DMS = 128


def check_files(db: Path) -> None:
    """Refuse a store whose files SQLite would silently truncate or replace."""
    wal = wal_of(db)
    try:
        wal_size = wal.stat().st_size
        db_size = db.stat().st_size if db.exists() else 0
    except FileNotFoundError:
        return
    except OSError as exc:
        raise diagnose(db, exc) from None
    if _in_use(db):
        return  # a live log, which no opening connection will recover
    committed = _shm_frames(shm_of(db))
    if wal_size == 0:
        if committed and committed[0]:
            raise StoreError(
                f"{wal} is damaged (empty, where {shm_of(db).name} says it holds "
                f"{committed[0]} committed frames): the last recorded runs are lost; "
                f"{RESET_HINT} (the WAL is kept with it)"
            )
        return
    if db_size == 0 and db.exists():
        raise StoreError(
            f"{db} is empty (0 bytes) but {wal} holds {wal_size} bytes of its history: "
            f"piv will not start a new store over it; {RESET_HINT} (the WAL goes with it)"
        )
    try:
        data = wal.read_bytes()
    except OSError as exc:
        raise diagnose(db, exc) from None
    why = wal_damage(data, committed) or _recovery_damage(db, data)
    if why and why.startswith("it belongs"):
        raise StoreError(
            f"{wal} does not belong to {db} ({why}): read together they would mix two "
            f"stores; {RESET_HINT} (the WAL is kept with it)"
        )
    if why:
        raise StoreError(
            f"{wal} is damaged ({why}): SQLite would drop the runs recorded after the damage; "
            f"{RESET_HINT} (the WAL is kept with it)"
        )


def _recovery_damage(db: Path, wal: bytes) -> str | None:
    """Whether the store and its log, read together as the next opener would, are sound:
    checked on copies, so that nothing is checkpointed or deleted (a log left by a crash,
    or put beside another store, is recovered only after this says yes)."""
    with tempfile.TemporaryDirectory(prefix="piv-recover-") as scratch:
        copy = Path(scratch) / db.name
        try:
            shutil.copyfile(db, copy)
            alone, ours = _quick_check(copy)
            wal_of(copy).write_bytes(wal)
        except OSError:
            return None  # no room for the copies: opening the store itself will tell
        found, theirs = _quick_check(copy)
    if found is not None:
        if alone is not None:  # the store itself is damaged, whatever its log holds
            raise unreadable(db, alone)
        return f"the store read with it fails its check: {found}"
    if alone is None and ours and theirs and ours != theirs:
        return f"it belongs to another store (store id {theirs}, this store's is {ours})"
    # (a store file that fails alone but passes with its log was stopped mid-checkpoint)
    return None


def _quick_check(db: Path) -> tuple[str | None, str | None]:
    """What is wrong with the SQLite file *db* (with its log, if one lies beside it), and
    its store id (migration 5) if it has one."""
    try:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            found = str(conn.execute("PRAGMA quick_check").fetchone()[0])
            try:
                row = conn.execute("SELECT store_id FROM ledger_generation").fetchone()
            except sqlite3.OperationalError:  # a store from before migration 5
                row = None
    except sqlite3.Error as exc:
        return str(exc), None
    return (None if found == "ok" else found), (str(row[0]) if row else None)


def wal_damage(data: bytes, committed: tuple[int, int, int] | None = None) -> str | None:
    """Why the write-ahead log *data* has lost committed frames, or None.

    *committed* is what the -shm index says the log holds (frames, salt-1, salt-2), when
    it is readable: a log with fewer valid frames than that was cut short or damaged.
    """
    if len(data) < _WAL_HEADER:
        return "shorter than its header" if committed and committed[0] else None
    magic, version, page_size, _, salt1, salt2, sum1, sum2 = struct.unpack(">8I", data[:32])
    if magic not in _WAL_MAGIC or version != 3007000 or page_size & (page_size - 1):
        return "its header is not a SQLite WAL header" if any(data) else "it is all zeros"
    big = magic & 1
    if _checksum(data[:24], big, 0, 0) != (sum1, sum2):
        return "its header fails its checksum"
    frame = _FRAME_HEADER + page_size
    s1, s2 = sum1, sum2
    valid = bad = 0
    offset = _WAL_HEADER
    while offset + frame <= len(data):
        header = data[offset : offset + _FRAME_HEADER]
        _, commit, fsalt1, fsalt2, fsum1, fsum2 = struct.unpack(">6I", header)
        if (fsalt1, fsalt2) != (salt1, salt2):
            break  # left over from before the log was last reset: its end
        if not bad:
            s1, s2 = _checksum(header[:8], big, s1, s2)
            s1, s2 = _checksum(data[offset + _FRAME_HEADER : offset + frame], big, s1, s2)
            if (s1, s2) != (fsum1, fsum2):
                bad = valid + 1
            else:
                valid += 1
        elif commit:
            return f"frame {bad} fails its checksum and a committed transaction follows it"
        offset += frame
    if committed and committed[1:] == (salt1, salt2) and committed[0] > valid:
        return f"it holds {valid} readable frames of the {committed[0]} committed"
    return None


def _checksum(data: bytes, big: int, s1: int, s2: int) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s1 = (s1 + words[i] + s2) & 0xFFFFFFFF
        s2 = (s2 + words[i + 1] + s1) & 0xFFFFFFFF
    return s1, s2


def _shm_frames(shm: Path) -> tuple[int, int, int] | None:
    """(frames, salt-1, salt-2) the -shm index says are committed, if it is consistent."""
    try:
        with shm.open("rb") as file:
            head = file.read(96)
    except OSError:
        return None
    if len(head) < 96 or head[:48] != head[48:96]:
        return None
    version, _, _, _, _, _, frames = struct.unpack("=IIIBBHI", head[:20])
    salt1, salt2 = struct.unpack(">II", head[32:40])  # as the WAL header has them
    return (frames, salt1, salt2) if version == 3007000 else None


def _in_use(db: Path) -> bool:
    """Whether a connection (of another process, or of this one) has the store open: it
    holds a lock on the -shm file, so the WAL is live, will not be recovered by the next
    opener, and may be mid-write."""
    if not sys.platform.startswith("linux"):
        return shm_of(db).exists()
    import fcntl

    try:
        fd = os.open(shm_of(db), os.O_RDONLY)
    except OSError:
        return False
    try:
        query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, _SHM_DMS, 1, 0)
        # an open-file-description query also sees this process's own connections
        answer = fcntl.fcntl(fd, getattr(fcntl, "F_OFD_GETLK", fcntl.F_GETLK), query)
        return bool(struct.unpack("hhqqi4x", answer)[0] != fcntl.F_UNLCK)
    except OSError:
        return True
    finally:
        os.close(fd)
