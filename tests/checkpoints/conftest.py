"""Real git repositories in a temporary directory, and a byte-exact picture of a tree."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_piv import gitplumbing
from pytest_piv.cli import main

#: what a file is, for a byte-exact comparison: kind, content (or link target), exec bit
Entry = tuple[str, bytes, bool]


def git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=True
    )
    return done.stdout


def picture(root: Path, *, mtimes: bool = False) -> dict[str, object]:
    """Every path under *root* except .git: kind, bytes or link target, exec bit (and mtime)."""
    found: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not (dirpath == str(root) and d == ".git")]
        for name in [*filenames, *[d for d in dirnames if Path(dirpath, d).is_symlink()]]:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                entry: tuple[object, ...] = ("link", str(path.readlink()).encode(), False)
            else:
                entry = ("file", path.read_bytes(), bool(info.st_mode & stat.S_IXUSR))
            found[rel] = (*entry, info.st_mtime_ns) if mtimes else entry
    return found


def tree_picture(root: Path, tree: str) -> dict[str, object]:
    """The same picture of a git tree object."""
    found: dict[str, object] = {}
    listing = git(root, "ls-tree", "-r", "-z", tree)
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, _, blob = meta.split(" ")
        data = subprocess.run(
            ["git", "cat-file", "blob", blob], cwd=root, capture_output=True, check=True
        ).stdout
        kind = "link" if mode == "120000" else "file"
        found[path] = (kind, data, mode == "100755")
    return found


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with one commit: a file, an executable, a symlink and a .gitignore."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "dev")
    (root / ".gitignore").write_text("*.log\n.piv/\n__pycache__/\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / "run.sh").write_text("#!/bin/sh\necho run\n")
    (root / "run.sh").chmod(0o755)
    (root / "link").symlink_to("src/app.py")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    return root


@pytest.fixture
def opened(repo: Path) -> gitplumbing.Repo:
    return gitplumbing.open_repo(repo)


@dataclass
class Piv:
    """``piv`` run in-process through :func:`pytest_piv.cli.main`, against one repository."""

    root: Path
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--root", str(self.root), *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *args: str, code: int = 0) -> Any:
        exit_code, out, err = self(*args, "--json")
        assert exit_code == code, err
        return json.loads(out)


@pytest.fixture
def piv(repo: Path, capsys: pytest.CaptureFixture[str]) -> Piv:
    return Piv(repo, capsys)


def refs(root: Path, prefix: str = "refs/piv/") -> list[str]:
    return git(root, "for-each-ref", "--format=%(refname)", prefix).split()


def trailers(root: Path, commit: str) -> dict[str, str]:
    """The trailers of *commit*, read back with ``git interpret-trailers --parse``."""
    message = git(root, "log", "-1", "--format=%B", commit)
    parsed = git(root, "interpret-trailers", "--parse", stdin=message)
    return dict(line.split(": ", 1) for line in parsed.splitlines())
