"""A tiny real project under git, its ``pytest --piv`` runs as separate processes, and the
means to put its store on a full disk or behind a read-only directory for real."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PYPROJECT = """\
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
"""

SOURCE = """\
def total(prices):
    return sum(prices)
"""

TESTS = """\
from shop import total


def test_total_of_two_ones_is_two():
    assert total([1, 1]) == 2


def test_total_of_nothing_is_zero():
    assert total([]) == 0
"""

PIV_MAIN = "import sys; from pytest_piv.cli import main; sys.exit(main())"


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: none of this suite's pytest or coverage state."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "PIV_", "COV_CORE_", "GIT_", "XDG_"))
    }
    env.update(
        HOME=str(home),
        PYTHONDONTWRITEBYTECODE="1",
        GIT_AUTHOR_NAME="piv",
        GIT_AUTHOR_EMAIL="piv@example.com",
        GIT_COMMITTER_NAME="piv",
        GIT_COMMITTER_EMAIL="piv@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    env.update(extra)
    return env


def file_size_limit(limit: int) -> Callable[[], None]:
    """A ``preexec_fn`` that gives the child a disk that is full at *limit* bytes a file
    (``RLIMIT_FSIZE``; SIGXFSZ ignored so that a write fails with EFBIG instead)."""

    def limit_writes() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_writes


@contextlib.contextmanager
def read_only(directory: Path) -> Iterator[None]:
    """*directory* made read-only for real: its mode for a normal user; for root (whom
    modes do not stop) a read-only bind mount over it, or a skip where mounting is denied."""
    if os.geteuid() != 0:
        directory.chmod(0o555)
        try:
            yield
        finally:
            directory.chmod(0o700)
        return
    mounted = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(directory), str(directory)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"root cannot make {directory} read-only here: {mounted.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(directory)], check=True)


@dataclass
class PivProject:
    """A throwaway project (in a directory any user may enter, so that it can also be run
    as an unprivileged user) driven by real ``pytest --piv`` and ``piv`` processes."""

    root: Path
    home: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.root / ".piv" / "piv.db"

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            check=True,
            env=clean_env(self.home),
        )
        return done.stdout.strip()

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def run(
        self, *args: str, preexec: Callable[[], None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """One ``pytest --piv`` run; stdout and stderr together in ``.stdout``."""
        return subprocess.run(
            [sys.executable, "-m", "pytest", "--piv", "-p", "no:cacheprovider", *args],
            cwd=self.root,
            env=clean_env(self.home, **self.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=180,
            check=False,
            preexec_fn=preexec,
        )

    def cli(
        self, *args: str, preexec: Callable[[], None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", PIV_MAIN, *args],
            cwd=self.root,
            env=clean_env(self.home, **self.env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            preexec_fn=preexec,
        )

    def runs(self) -> int:
        with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def files(self) -> dict[str, bytes]:
        """Every file in ``.piv`` and its bytes."""
        return {p.name: p.read_bytes() for p in sorted(self.db.parent.iterdir()) if p.is_file()}


def new_project() -> Iterator[PivProject]:
    base = Path(tempfile.mkdtemp(prefix="piv-honesty-"))
    base.chmod(0o755)
    root, home = base / "project", base / "home"
    (root / "src" / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    home.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / ".gitignore").write_text(".piv/\n__pycache__/\n.pytest_cache/\n")
    (root / "src" / "shop" / "__init__.py").write_text(SOURCE)
    (root / "tests" / "test_shop.py").write_text(TESTS)
    project = PivProject(root, home)
    project.git("init", "-q", "-b", "main")
    project.commit("feat: total")
    try:
        yield project
    finally:
        for path in (base, *base.rglob("*")):
            with contextlib.suppress(OSError):
                path.chmod(0o700 if path.is_dir() else 0o600)
        shutil.rmtree(base, ignore_errors=True)


def keep_wal_of_next_run(project: PivProject, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``pytest --piv`` and leave its record in the WAL (and the WAL's index in the
    -shm file), as a crash after its commit would: a reader holds the store open, so the
    run's close does not checkpoint it."""
    with contextlib.closing(sqlite3.connect(project.db)) as reader:
        reader.execute("PRAGMA wal_autocheckpoint = 0")
        reader.execute("SELECT COUNT(*) FROM runs").fetchone()
        done = project.run(*args)
        kept = {
            suffix: project.db.with_name(project.db.name + suffix).read_bytes()
            for suffix in ("", "-wal", "-shm")
        }
    # the reader's close checkpointed the WAL into the store: put the crashed state back
    for suffix, data in kept.items():
        project.db.with_name(project.db.name + suffix).write_bytes(data)
    return done


@contextlib.contextmanager
def full_tmpfs(directory: Path) -> Iterator[None]:
    """*directory* moved onto a small tmpfs of its own, then filled to the last byte:
    a real full disk. Needs root (mount); skipped where mounting is denied."""
    saved = directory.with_name(directory.name + ".saved")
    directory.rename(saved)
    directory.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=700", "tmpfs", str(directory)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        directory.rmdir()
        saved.rename(directory)
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr!r}")
    try:
        for path in saved.iterdir():
            shutil.copy2(path, directory / path.name)
        with contextlib.suppress(OSError), (directory / "filler").open("wb") as filler:
            while True:
                filler.write(bytes(4096))
                filler.flush()
        yield
    finally:
        for path in directory.iterdir():
            if path.name != "filler":
                shutil.copy2(path, saved / path.name)
        subprocess.run(["umount", str(directory)], check=True)
        directory.rmdir()
        saved.rename(directory)
