"""git: the tree state of a project, old file contents and changed lines.

The tree state is a digest per test and source file (tracked, and untracked but not
ignored) plus HEAD. Digests are git blob ids, so a file that matches the index costs no
hashing at all: only files git reports as modified or untracked are hashed, by
``git hash-object`` in one call. Outside git every file is hashed the same way.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_piv.errors import VcsError
from pytest_piv.paths import FileRoles


@dataclass(frozen=True)
class TreeState:
    """What the working tree held when a run happened."""

    files: Mapping[str, str]
    roles: Mapping[str, str]
    head: str | None
    in_git: bool
    dirty: frozenset[str] = frozenset()
    notes: tuple[str, ...] = field(default=())

    @property
    def tree_id(self) -> str:
        h = hashlib.sha1(usedforsecurity=False)
        for path in sorted(self.files):
            h.update(f"{path}\0{self.files[path]}\n".encode())
        return h.hexdigest()

    def of_role(self, role: str) -> dict[str, str]:
        return {p: d for p, d in self.files.items() if self.roles[p] == role}


def _git(root: Path, *args: str, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise VcsError("git is not installed") from None
    if done.returncode != 0:
        raise VcsError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def in_git(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except VcsError:
        return False


def blob_digest(data: bytes) -> str:
    """The git blob id of *data* (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def collect_tree_state(root: Path, roles: FileRoles) -> TreeState:
    """The tree state of the project at *root*, from git when it can."""
    if in_git(root):
        return _git_tree_state(root, roles)
    return _walk_tree_state(root, roles)


def _git_tree_state(root: Path, roles: FileRoles) -> TreeState:
    staged = _git(root, "ls-files", "-s", "-z").split("\0")
    index: dict[str, str] = {}
    for entry in staged:
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) >= 2 and parts[0] != "160000":
            index[path] = parts[1]
    modified = {p for p in _git(root, "diff-files", "--name-only", "-z").split("\0") if p}
    untracked = {
        p for p in _git(root, "ls-files", "-z", "--others", "--exclude-standard").split("\0") if p
    }
    file_roles: dict[str, str] = {}
    for path in (*index, *untracked):
        role = roles.role(path)
        if role is not None:
            file_roles[path] = role
    to_hash = sorted(
        p
        for p in file_roles
        if (p in modified or p in untracked) and (root / p).is_file() and "\n" not in p
    )
    files = {p: index[p] for p in file_roles if p in index and p not in modified}
    if to_hash:
        hashed = _git(root, "hash-object", "--stdin-paths", stdin="\n".join(to_hash) + "\n")
        files.update(zip(to_hash, hashed.split(), strict=True))
    file_roles = {p: r for p, r in file_roles.items() if p in files}
    try:
        head: str | None = _git(root, "rev-parse", "-q", "--verify", "HEAD").strip() or None
    except VcsError:
        head = None
    notes = () if head else ("the repository has no commit yet",)
    return TreeState(files, file_roles, head, True, frozenset(to_hash), notes)


_SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "node_modules", ".tox"}


def _walk_tree_state(root: Path, roles: FileRoles) -> TreeState:
    files: dict[str, str] = {}
    file_roles: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        rel_dir = os.path.relpath(dirpath, root)
        for name in filenames:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            role = roles.role(rel)
            if role is None:
                continue
            try:
                files[rel] = blob_digest((Path(dirpath) / name).read_bytes())
            except OSError:
                continue
            file_roles[rel] = role
    note = "not a git repository: every test and source file was hashed"
    return TreeState(files, file_roles, None, False, frozenset(files), (note,))


def read_blob(root: Path, digest: str) -> bytes | None:
    """The content of a git blob, or None when git does not have it."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "cat-file", "blob", digest],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return None
    return done.stdout if done.returncode == 0 else None


def changed_lines(old: str | None, new: str) -> set[int]:
    """Line numbers of *new* that were added or changed relative to *old* (1-based)."""
    new_lines = new.splitlines()
    if old is None:
        return set(range(1, len(new_lines) + 1))
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new_lines, autojunk=False)
    lines: set[int] = set()
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            lines.update(range(j1 + 1, j2 + 1))
    return lines
