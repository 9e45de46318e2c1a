"""A run that could not be recorded says so, at every verbosity; a damaged store is never
deleted or replaced; the caches beside the store never change a verdict.

Each test reproduces what a user met (issue 9) with real ``pytest --piv`` processes on a
real git project: real SQLite files damaged on disk, a real file-size limit for a full
disk, a real read-only directory (as an unprivileged user when the suite runs as root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from tests.reliability.piv_project import (
    PivProject,
    file_size_limit,
    full_tmpfs,
    keep_wal_of_next_run,
    new_project,
    read_only,
)

pytestmark = pytest.mark.slow


def piv_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith(("piv:", "ERROR: piv:"))]


def assert_not_recorded_loudly(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    """The run failed, and its ``piv:`` lines (even with ``-q``) say it was not recorded
    and name what it needs to."""
    assert done.returncode != 0, done.stdout
    lines = piv_lines(done)
    said = "\n".join(lines)
    assert "not recorded" in said.lower() or "ERROR: piv:" in said, done.stdout
    for needle in needles:
        assert needle in said, done.stdout
    assert "Traceback" not in done.stdout
    assert "INTERNALERROR" not in done.stdout


def corrupt_ledger_pages(project: PivProject) -> list[bytes]:
    """Garbage in the pages of the ledger's `tests` and `files` tables, behind a sound
    header and sound `runs` pages: what the warm-start snapshot hides from the start of a
    run; then a source change, so that the run has to write those tables."""
    with contextlib.closing(sqlite3.connect(project.db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        roots = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name IN ('tests', 'files')"
        ).fetchall()
    garbage = [os.urandom(page_size) for _ in roots]
    with project.db.open("r+b") as file:
        for (root,), page in zip(roots, garbage, strict=True):
            file.seek((root - 1) * page_size)
            file.write(page)
    source = project.root / "src" / "shop" / "__init__.py"
    source.write_text("def total(prices):\n    return sum(list(prices))\n")
    return garbage


@pytest.mark.parametrize(
    "verbosity",
    [
        pytest.param((), id="default"),
        pytest.param(("-q",), id="q"),
        pytest.param(("-qq",), id="qq"),
        pytest.param(("-q", "-n", "2"), id="q-xdist"),
    ],
)
def test_a_run_over_corrupt_pages_hidden_by_the_snapshot_fails_and_says_it_was_not_recorded(
    piv_project: PivProject, verbosity: tuple[str, ...]
) -> None:
    project = piv_project
    assert project.run().returncode == 0
    assert project.run().returncode == 0  # an unchanged rerun: the snapshot is current
    garbage = corrupt_ledger_pages(project)

    done = project.run(*verbosity)

    assert_not_recorded_loudly(done, str(project.db), "piv state reset")
    assert "piv: REFACTOR" not in done.stdout or "NOT RECORDED" in done.stdout
    assert all(page in project.db.read_bytes() for page in garbage)  # kept, not replaced


def test_a_run_over_corrupt_pages_in_warn_mode_is_a_warning_line(piv_project: PivProject) -> None:
    project = piv_project
    assert project.run().returncode == 0
    assert project.run().returncode == 0
    corrupt_ledger_pages(project)

    done = project.run("-q", "--piv-rgr-mode", "warn")

    said = "\n".join(piv_lines(done))
    assert "NOT RECORDED" in said, done.stdout
    assert "warning" in said, done.stdout
    assert str(project.db) in said


def test_a_full_disk_fails_the_run_and_says_so_without_suggesting_a_reset(
    piv_project: PivProject,
) -> None:
    project = piv_project
    assert project.run().returncode == 0
    runs = project.runs()
    source = project.root / "src" / "shop" / "__init__.py"
    source.write_text("def total(prices):\n    return sum(list(prices))\n")  # news to record

    done = project.run("-q", preexec=file_size_limit(40_000))

    assert_not_recorded_loudly(done, str(project.db.parent))
    said = "\n".join(piv_lines(done)).lower()
    assert "full" in said or "file-size limit" in said, done.stdout
    assert "piv state reset" not in said
    assert project.runs() in (runs, runs + 1)  # at most the run's start row, never less
    with contextlib.closing(sqlite3.connect(project.db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_store_on_a_full_tmpfs_fails_the_run_and_says_the_disk_is_full(
    piv_project: PivProject,
) -> None:
    project = piv_project
    assert project.run().returncode == 0
    source = project.root / "src" / "shop" / "__init__.py"
    source.write_text("def total(prices):\n    return sum(list(prices))\n")

    with full_tmpfs(project.db.parent):
        done = project.run("-q")

    assert_not_recorded_loudly(done, str(project.db.parent))
    said = "\n".join(piv_lines(done))
    assert "is full" in said, done.stdout
    assert "piv state reset" not in said
    with contextlib.closing(sqlite3.connect(project.db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_read_only_store_directory_says_so_and_reset_fails_cleanly(
    piv_project: PivProject,
) -> None:
    project = piv_project
    assert project.run().returncode == 0
    before = project.files()

    with read_only(project.db.parent):
        done = project.run("-q")
        reset = project.cli("state", "reset")

    assert_not_recorded_loudly(done, str(project.db.parent))
    said = "\n".join(piv_lines(done))
    assert "read-only" in said, done.stdout
    assert "piv state reset" not in said
    assert reset.returncode == 2, reset.stderr
    assert "read-only" in reset.stderr
    assert "Traceback" not in reset.stderr
    assert project.files() == before


def test_a_damaged_wal_is_refused_and_kept_not_silently_dropped(piv_project: PivProject) -> None:
    project = piv_project
    assert project.run().returncode == 0
    (project.root / "tests" / "test_shop.py").write_text(
        (project.root / "tests" / "test_shop.py").read_text()
        + "\n\ndef test_total_of_one_is_one():\n    assert total([1]) == 2\n"
    )
    assert keep_wal_of_next_run(project).returncode == 1  # RED: a new test failing
    wal = project.db.with_name("piv.db-wal")
    data = bytearray(wal.read_bytes())
    assert len(data) > 3 * 4120
    data[32 + 24 + 100 : 32 + 24 + 400] = os.urandom(300)  # inside the first frame
    wal.write_bytes(bytes(data))

    done = project.run("-q")

    assert_not_recorded_loudly(done, str(wal), "piv state reset")
    assert wal.read_bytes() == bytes(data) or any(
        p.read_bytes() == bytes(data) for p in project.db.parent.glob("piv.db*-wal*")
    )
    reset = project.cli("state", "reset")
    assert reset.returncode == 0, reset.stderr
    kept = [p for p in project.db.parent.iterdir() if p.read_bytes() == bytes(data)]
    assert kept, sorted(p.name for p in project.db.parent.iterdir())


def test_an_empty_store_beside_its_wal_is_not_adopted_afresh(piv_project: PivProject) -> None:
    project = piv_project
    assert project.run().returncode == 0
    assert keep_wal_of_next_run(project).returncode == 0
    wal = project.db.with_name("piv.db-wal")
    history = wal.read_bytes()
    project.db.write_bytes(b"")

    done = project.run("-q")

    assert_not_recorded_loudly(done, str(project.db), str(wal))
    assert "ADOPTED" not in done.stdout
    assert wal.read_bytes() == history


def test_a_store_with_another_copy_s_snapshot_answers_what_its_tables_say(
    tmp_path: Path,
) -> None:
    """Two copies of one store, each changed the same way in size but not in content: the
    snapshot of one beside the other must not answer for it."""
    first = new_project()
    a = next(first)
    try:
        assert a.run().returncode == 0
        b_base = Path(str(a.root.parent) + "-copy")
        shutil.copytree(a.root.parent, b_base, symlinks=True)
        b = PivProject(b_base / "project", b_base / "home")
        source_a = "def total(prices):\n    return sum(list(prices))\n"
        source_b = "def total(prices):\n    return sum(tuple(prices))\n"
        (a.root / "src" / "shop" / "__init__.py").write_text(source_a)
        (b.root / "src" / "shop" / "__init__.py").write_text(source_b)
        assert "REFACTOR" in a.run().stdout
        assert "REFACTOR" in b.run().stdout
        # b's work tree goes to a's content, and a's snapshot lands beside b's store
        (b.root / "src" / "shop" / "__init__.py").write_text(source_a)
        shutil.copy(a.db.with_name("piv.db-snapshot"), b.db.with_name("piv.db-snapshot"))

        done = b.run()

        assert "REFACTOR" in done.stdout, done.stdout
        assert "UNCHANGED" not in done.stdout
    finally:
        with contextlib.suppress(StopIteration):
            next(first)
        shutil.rmtree(Path(str(a.root.parent) + "-copy"), ignore_errors=True)


def test_the_store_and_everything_beside_it_is_private(piv_project: PivProject) -> None:
    project = piv_project
    old = os.umask(0o022)  # a usual umask: what is not made private is world-readable
    try:
        assert project.run().returncode == 0
        assert keep_wal_of_next_run(project).returncode == 0
        assert project.run().returncode == 0
    finally:
        os.umask(old)
    with contextlib.closing(sqlite3.connect(project.db)) as reader:
        reader.execute("SELECT COUNT(*) FROM runs").fetchone()
        assert project.run().returncode == 0
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in project.db.parent.iterdir()}
    assert stat.S_IMODE(project.db.parent.stat().st_mode) == 0o700
    assert {"piv.db", "piv.db-wal", "piv.db-shm", "piv.db-snapshot"} <= set(modes)
    assert all(mode == 0o600 for mode in modes.values()), modes
