"""Commit a snapshot: on the branch with ``git commit`` (the project's hooks run), or onto
``wip/<branch>`` without touching HEAD or the index; then an annotated tag.

The commit holds exactly the snapshot's tree, the content the secret scan saw. When the
commit does not happen (a hook refuses it), the index is put back as it was.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pytest_piv import gitplumbing as git
from pytest_piv.checkpoints.snapshot import Snapshot
from pytest_piv.errors import PivError

#: set in the environment of the hooks a checkpoint runs: a checkpoint started by one of
#: them does nothing (no recursion)
RUNNING_ENV = "PIV_CHECKPOINT_RUNNING"
WIP_PREFIX = "refs/heads/wip/"


class HookRefusedError(PivError):
    """A git hook of the project refused the checkpoint commit."""


@dataclass(frozen=True)
class Committed:
    commit: str
    #: where it went: the branch name or ``wip/<branch>``
    onto: str
    #: the tree git committed differs from the snapshot (a hook rewrote files)
    rewritten_by_hook: bool = False


def _hook_env() -> dict[str, str]:
    return {RUNNING_ENV: "1"}


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def commit_on_branch(repo: git.Repo, snapshot: Snapshot, message: str, verify: bool) -> Committed:
    """``git commit`` of the snapshot's tree on the current branch, hooks included."""
    git.add_all(repo)
    if repo.out("write-tree").strip() != snapshot.tree:  # the tree changed since the snapshot
        git.set_index(repo, snapshot.tree)
    args = ["commit", "-q", "--cleanup=verbatim", "-F", "-"]
    if not verify:
        args.append("--no-verify")
    done = repo.git(*args, stdin=message, env=_hook_env(), check=False, timeout=None)
    if not done.ok:
        _restore_index(repo, snapshot)
        raise HookRefusedError(
            f"git commit refused the checkpoint: {_last_line(done.stderr + done.stdout)}"
            f" (snapshot {snapshot.checkpoint.id} kept)"
        )
    commit = repo.out("rev-parse", "HEAD").strip()
    rewritten = git.tree_of(repo, commit) != snapshot.tree
    return Committed(commit, git.branch(repo) or "HEAD", rewritten)


def _restore_index(repo: git.Repo, snapshot: Snapshot) -> None:
    tree = snapshot.index_tree or snapshot.head_tree
    if tree:
        git.set_index(repo, tree)


def commit_wip(repo: git.Repo, snapshot: Snapshot, message: str, verify: bool) -> Committed:
    """A commit of the snapshot's tree on ``wip/<branch>``; HEAD and the index stay.

    Its parents: the previous wip commit, and HEAD when the wip branch does not contain it
    yet. The project's pre-commit and commit-msg hooks run against a temporary index that
    holds the tree (``git hook run``).
    """
    ref = f"{WIP_PREFIX}{snapshot.checkpoint.branch}"
    tip = git.resolve(repo, ref)
    parents = [tip] if tip else []
    if snapshot.head and (
        tip is None
        or not repo.git("merge-base", "--is-ancestor", snapshot.head, tip, check=False).ok
    ):
        parents.append(snapshot.head)
    if verify:
        message = _run_wip_hooks(repo, snapshot, message)
    commit = git.commit_tree(repo, snapshot.tree, parents, message)
    git.move_ref(repo, ref, commit, tip)
    return Committed(commit, ref.removeprefix("refs/heads/"))


def _run_wip_hooks(repo: git.Repo, snapshot: Snapshot, message: str) -> str:
    with git.temporary_index(repo, copy=False) as env:
        repo.git("read-tree", snapshot.tree, env=env)
        hook_env = {**env, **_hook_env()}
        done = repo.git("hook", "run", "--ignore-missing", "pre-commit", env=hook_env,
                        check=False, timeout=None)  # fmt: skip
        if not done.ok:
            raise HookRefusedError(
                f"the pre-commit hook refused the wip checkpoint: "
                f"{_last_line(done.stderr + done.stdout)} (snapshot {snapshot.checkpoint.id} kept)"
            )
        fd, name = tempfile.mkstemp(prefix="piv-msg-", dir=repo.git_dir)
        path = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(message)
            done = repo.git("hook", "run", "--ignore-missing", "commit-msg", "--", str(path),
                            env=hook_env, check=False, timeout=None)  # fmt: skip
            if not done.ok:
                raise HookRefusedError(
                    f"the commit-msg hook refused the wip checkpoint: "
                    f"{_last_line(done.stderr + done.stdout)}"
                    f" (snapshot {snapshot.checkpoint.id} kept)"
                )
            return path.read_text(encoding="utf-8")
        finally:
            path.unlink(missing_ok=True)
