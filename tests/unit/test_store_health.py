"""The store's diagnosis, on real SQLite files: read-only, full and damaged told apart,
and a write-ahead log that lost committed frames found before SQLite drops them."""

from __future__ import annotations

import contextlib
import errno
import shutil
import sqlite3
from pathlib import Path

import pytest

from pytest_piv.errors import StoreError
from pytest_piv.store import connect, diagnose, reset
from pytest_piv.store.health import check_files, shm_of, wal_damage, wal_of

PAGE = 4096
FRAME = 24 + PAGE


@pytest.fixture
def crashed(tmp_path: Path) -> Path:
    """A store whose last three transactions are only in its WAL, as a crash leaves it."""
    db = tmp_path / "live" / "piv.db"
    with contextlib.closing(connect(db)) as conn:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("CREATE TABLE t (x BLOB)")
        for n in range(3):
            conn.execute("INSERT INTO t VALUES (?)", (bytes([n]) * 3000,))
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        for path in (db, wal_of(db), shm_of(db)):
            shutil.copyfile(path, crashed / path.name)
    return crashed / "piv.db"


def test_an_intact_log_left_by_a_crash_is_accepted_and_keeps_every_row(crashed: Path) -> None:
    check_files(crashed)
    with contextlib.closing(sqlite3.connect(crashed)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 3


def test_a_frame_that_fails_its_checksum_before_a_commit_is_damage(crashed: Path) -> None:
    data = bytearray(wal_of(crashed).read_bytes())
    data[32 + FRAME + 24 + 100] ^= 0xFF  # the second frame's page

    assert wal_damage(bytes(data)) == (
        "frame 2 fails its checksum and a committed transaction follows it"
    )


def test_a_log_cut_short_of_what_its_index_says_was_committed_is_damage(crashed: Path) -> None:
    data = wal_of(crashed).read_bytes()
    wal_of(crashed).write_bytes(data[: 32 + FRAME])

    with pytest.raises(StoreError, match=r"piv\.db-wal is damaged \(it holds 1 readable frames"):
        check_files(crashed)
    assert wal_of(crashed).stat().st_size == 32 + FRAME  # kept as it was


def test_an_emptied_store_beside_its_log_is_refused_and_both_are_kept(crashed: Path) -> None:
    crashed.write_bytes(b"")
    wal = wal_of(crashed).read_bytes()

    with pytest.raises(StoreError, match=r"piv\.db is empty \(0 bytes\) but .* holds"):
        connect(crashed)
    assert wal_of(crashed).read_bytes() == wal
    backup = reset(crashed)
    assert backup is not None
    assert wal_of(backup).read_bytes() == wal


def test_a_corrupt_store_is_damage_and_the_fix_is_a_reset(tmp_path: Path) -> None:
    db = tmp_path / "piv.db"
    db.write_bytes(b"not a database at all" * 400)
    with pytest.raises(StoreError) as raised:
        connect(db)
    assert str(raised.value).startswith(f"{db} is not a readable piv store (file is not a")
    assert "piv state reset" in str(raised.value)


@pytest.mark.parametrize("number", [errno.ENOSPC, errno.EDQUOT, errno.EFBIG])
def test_no_space_is_a_full_disk_and_the_fix_is_not_a_reset(tmp_path: Path, number: int) -> None:
    message = str(diagnose(tmp_path / "piv.db", OSError(number, "no room")))
    assert message.startswith(f"{tmp_path} is full: no space to write the piv store piv.db")
    assert "piv state reset" not in message


def test_a_full_disk_as_sqlite_reports_it_is_a_full_disk(tmp_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(tmp_path / "x.db")) as conn:
        conn.execute("PRAGMA max_page_count = 2")
        conn.execute("CREATE TABLE t (x)")
        with pytest.raises(sqlite3.Error) as raised:
            conn.execute("INSERT INTO t VALUES (?)", (b"x" * 50_000,))
    message = str(diagnose(tmp_path / "x.db", raised.value))
    assert " is full" in message
    assert "piv state reset" not in message


@pytest.mark.parametrize("number", [errno.EROFS, errno.EACCES])
def test_a_refused_write_is_read_only_and_names_the_place(tmp_path: Path, number: int) -> None:
    message = str(diagnose(tmp_path / "piv.db", OSError(number, "no")))
    assert message.startswith(f"{tmp_path / 'piv.db'} is read-only")
    assert "chmod u+w" in message
    assert "piv state reset" not in message
