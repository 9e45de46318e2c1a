"""git plumbing for checkpoints: trees of the working tree, commits, refs, checkouts.

Everything here leaves the user's index, HEAD and files alone unless a function says
otherwise: the working tree is read into a *temporary* index (``GIT_INDEX_FILE``), a copy
of the real one so that git only re-hashes the files whose stat data changed. Every git
process goes through :func:`pytest_piv.tools.run_tool`. Refs are only ever moved with a
compare-and-swap ``update-ref``, so an interrupted command never leaves a half-written ref.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pytest_piv.errors import PivError, VcsError
from pytest_piv.tools import ToolResult, process_alive, run_tool

#: a committer identity for repositories that have none configured
FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "piv",
    "GIT_AUTHOR_EMAIL": "piv@localhost",
    "GIT_COMMITTER_NAME": "piv",
    "GIT_COMMITTER_EMAIL": "piv@localhost",
}
#: the prefix of the temporary index files (in the git directory)
TEMP_INDEX_PREFIX = "piv-index-"
GIT_BUDGET_S = 600.0
#: the states in which git is in the middle of something, by the file that marks them
IN_PROGRESS = (
    ("MERGE_HEAD", "a merge"),
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase or git am"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
    ("BISECT_LOG", "a bisect"),
)


class NotARepositoryError(PivError):
    """The project is not inside a git work tree."""


@dataclass(frozen=True)
class Repo:
    """A git work tree: its top directory, its git directory and its index file."""

    root: Path
    git_dir: Path
    common_dir: Path
    index: Path
    #: pathspecs of what snapshots leave out: piv's own store
    exclude: tuple[str, ...] = ()

    def git(
        self,
        *args: str,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        timeout: float | None = GIT_BUDGET_S,
    ) -> ToolResult:
        """Run ``git args`` in the work tree; a failure raises :class:`VcsError` when *check*."""
        full_env = {**os.environ, "LC_ALL": "C", **(env or {})}
        done = run_tool(["git", *args], cwd=self.root, env=full_env, stdin=stdin, timeout=timeout)
        if check and not done.ok:
            why = "timed out" if done.timed_out else one_line(done.stderr, done.returncode)
            raise VcsError(f"git {' '.join(args[:3])} failed: {why}")
        return done

    def out(
        self, *args: str, stdin: str | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        return self.git(*args, stdin=stdin, env=env).stdout


def one_line(stderr: str, code: int) -> str:
    """git's complaint in one line: its first ``fatal:``/``error:`` line, else the first."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[0] if lines else f"exit {code}"


def open_repo(start: Path, store: Path | None = None) -> Repo:
    """The git work tree that holds *start*; :class:`NotARepositoryError` outside one.

    *store* is piv's store file: its directory is left out of every snapshot (it changes
    while piv runs, and it is piv's state, not the user's work)."""
    try:
        done = run_tool(
            ["git", "rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir",
             "--git-path", "index"],
            cwd=start, env={**os.environ, "LC_ALL": "C"}, timeout=GIT_BUDGET_S,
        )  # fmt: skip
    except FileNotFoundError:
        done = None
    if done is None or not done.ok:
        raise NotARepositoryError(
            f"{start}: not a git work tree (hint: run `git init`, or pass --root)"
        )
    top, git_dir, common, index = done.stdout.splitlines()[:4]
    root = Path(top)
    repo = Repo(root, Path(git_dir), (start / common).resolve(), (start / index).resolve())
    if store is None:
        return repo
    try:
        relative = store.resolve().parent.relative_to(root.resolve()).as_posix()
    except ValueError:  # the store is outside the work tree
        return repo
    path = f"{relative}/{store.name}" if relative != "." else store.name
    if check_ignore(repo, [path]):  # ignored already (and git refuses to exclude it)
        return repo
    if relative == ".":
        return dataclasses.replace(repo, exclude=(f":(top,exclude,glob){store.name}*",))
    return dataclasses.replace(repo, exclude=(f":(top,exclude,literal){relative}",))


def add_all(repo: Repo, env: Mapping[str, str] | None = None) -> None:
    """``git add -A`` of the whole work tree except the repository's excluded paths."""
    if repo.exclude:
        repo.git("add", "-A", "--", ":/", *repo.exclude, env=env)
    else:
        repo.git("add", "-A", env=env)


def head(repo: Repo) -> str | None:
    """The HEAD commit, or None on an unborn branch (an empty repository)."""
    done = repo.git("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    return done.stdout.strip() or None if done.returncode == 0 else None


def branch(repo: Repo) -> str | None:
    """The short name of the checked-out branch (also when unborn), None when detached."""
    done = repo.git("symbolic-ref", "-q", "--short", "HEAD", check=False)
    return done.stdout.strip() or None if done.returncode == 0 else None


def in_progress(repo: Repo) -> str | None:
    """What git is in the middle of (a merge, a rebase, ...), or None."""
    for marker, what in IN_PROGRESS:
        if (repo.git_dir / marker).exists():
            return what
    return None


def empty_tree(repo: Repo) -> str:
    return repo.out("hash-object", "-t", "tree", "-w", "--stdin", stdin="").strip()


class Trees(NamedTuple):
    """The working tree as git objects: its tree and, when it has no conflict, the index's."""

    work: str
    #: the index's tree; None when the index has a conflict (it cannot be a tree)
    staged: str | None


@contextlib.contextmanager
def temporary_index(repo: Repo, *, copy: bool = True) -> Iterator[dict[str, str]]:
    """The environment of a throwaway index file in the git directory, removed afterwards.

    With *copy*, it starts as a copy of the real index (taken with one read of a file
    git only ever replaces by rename, so the copy is consistent).
    """
    sweep_stale_indexes(repo)
    path = repo.git_dir / f"{TEMP_INDEX_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        if copy and repo.index.exists():
            # copy2 keeps the mtime: git judges "racily clean" entries by it
            shutil.copy2(repo.index, path)
        yield {"GIT_INDEX_FILE": str(path)}
    finally:
        for leftover in (path, path.with_name(path.name + ".lock")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def sweep_stale_indexes(repo: Repo) -> None:
    """Remove temporary indexes left by a piv process that was killed."""
    for stale in repo.git_dir.glob(f"{TEMP_INDEX_PREFIX}*"):
        pid = stale.name.removeprefix(TEMP_INDEX_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()


def working_trees(repo: Repo, force: Sequence[str] = ()) -> Trees:
    """Write the whole working tree (tracked, modified, untracked but not ignored,
    deletions, modes, symlinks) as a tree object, without touching the index or a file.

    *force* names ignored paths to take as well (rollback saves those it would overwrite).
    """
    with temporary_index(repo) as env:
        index_tree = repo.git("write-tree", env=env, check=False)
        add_all(repo, env)
        if force:
            repo.git("add", "-f", "--pathspec-from-file=-", "--pathspec-file-nul",
                     stdin="\0".join(force), env={**env, "GIT_LITERAL_PATHSPECS": "1"})  # fmt: skip
        work = repo.out("write-tree", env=env).strip()
    return Trees(work, index_tree.stdout.strip() if index_tree.ok else None)


def commit_tree(repo: Repo, tree: str, parents: Sequence[str], message: str) -> str:
    """A commit of *tree* with *parents*; an identity is supplied when git has none."""
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    done = repo.git(*args, stdin=message, check=False)
    if not done.ok and "identity" in done.stderr.lower() + done.stderr:
        done = repo.git(*args, stdin=message, env=FALLBACK_IDENTITY, check=False)
    if not done.ok:
        raise VcsError(f"git commit-tree failed: {one_line(done.stderr, done.returncode)}")
    return done.stdout.strip()


def create_ref(repo: Repo, ref: str, commit: str) -> bool:
    """Create *ref* at *commit* only if it does not exist yet; False when it does."""
    done = repo.git("update-ref", "--no-deref", ref, commit, "", check=False)
    return done.ok


def move_ref(repo: Repo, ref: str, new: str, old: str | None) -> None:
    """Point *ref* at *new* if it still points at *old* (None: whatever it points at)."""
    repo.git("update-ref", "--no-deref", ref, new, *((old,) if old else ()))


def delete_ref(repo: Repo, ref: str, old: str) -> None:
    repo.git("update-ref", "--no-deref", "-d", ref, old)


def resolve(repo: Repo, rev: str) -> str | None:
    done = repo.git("rev-parse", "-q", "--verify", f"{rev}^{{commit}}", check=False)
    return done.stdout.strip() or None if done.ok else None


def tree_of(repo: Repo, commit: str) -> str:
    return repo.out("rev-parse", f"{commit}^{{tree}}").strip()


class RefRow(NamedTuple):
    ref: str
    commit: str
    time: int
    body: str


def refs(repo: Repo, prefix: str) -> list[RefRow]:
    """Every ref under *prefix* with its commit, committer time and full message."""
    text = repo.out(
        "for-each-ref", "--format=%(refname)%00%(objectname)%00%(committerdate:unix)%00"
        "%(contents)%00%00", prefix,
    )  # fmt: skip
    rows = []
    for record in text.split("\0\0\n"):
        if not record.strip("\n"):
            continue
        ref, commit, time, body = record.lstrip("\n").split("\0", 3)
        rows.append(RefRow(ref, commit, int(time or 0), body))
    return rows


class Change(NamedTuple):
    """One path that differs between two trees (``git diff-tree --raw``)."""

    status: str
    old_mode: str
    new_mode: str
    path: str


def diff_trees(repo: Repo, old: str, new: str) -> list[Change]:
    text = repo.out("diff-tree", "-r", "-z", "--no-renames", "--raw", old, new)
    fields = text.split("\0")
    changes = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        if not meta.startswith(":"):
            continue
        old_mode, new_mode, _a, _b, status = meta[1:].split(" ")
        changes.append(Change(status[0], old_mode, new_mode, path))
    return changes


def ls_tree(repo: Repo, tree: str) -> dict[str, str]:
    """``{path: mode}`` of every file, symlink and submodule in *tree*."""
    text = repo.out("ls-tree", "-r", "-z", "--full-tree", tree)
    found = {}
    for entry in text.split("\0"):
        if entry:
            meta, path = entry.split("\t", 1)
            found[path] = meta.split(" ", 1)[0]
    return found


def check_ignore(repo: Repo, paths: Sequence[str]) -> list[str]:
    """The paths among *paths* that git ignores (tracked files never are)."""
    if not paths:
        return []
    done = repo.git("check-ignore", "-z", "--stdin", stdin="\0".join(paths) + "\0", check=False)
    if done.returncode not in (0, 1):
        raise VcsError(f"git check-ignore failed: {one_line(done.stderr, done.returncode)}")
    return [p for p in done.stdout.split("\0") if p]


def checkout_paths(repo: Repo, tree: str, paths: Sequence[str], prefix: str = "") -> None:
    """Write *paths* of *tree* into the work tree (or under *prefix*), modes and symlinks
    included, through a temporary index: the real index is not touched."""
    if not paths:
        return
    with temporary_index(repo, copy=False) as env:
        repo.git("read-tree", tree, env=env)
        args = ["checkout-index", "-f", "-z", "--stdin"]
        if prefix:
            args.append(f"--prefix={prefix}")
        repo.git(*args, stdin="\0".join(paths) + "\0", env=env)


def set_index(repo: Repo, tree: str) -> None:
    """Make the real index hold *tree*, then refresh its stat data."""
    repo.git("read-tree", tree)
    repo.git("update-index", "-q", "--refresh", check=False)


def tag(repo: Repo, name: str, commit: str, message: str) -> None:
    done = repo.git("tag", "-a", "-F", "-", name, commit, stdin=message, check=False)
    if not done.ok and "identity" in done.stderr.lower():
        done = repo.git("tag", "-a", "-F", "-", name, commit, stdin=message,
                        env=FALLBACK_IDENTITY, check=False)  # fmt: skip
    if not done.ok:
        raise VcsError(f"git tag {name} failed: {one_line(done.stderr, done.returncode)}")
