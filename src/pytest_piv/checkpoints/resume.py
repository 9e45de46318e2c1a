"""Resume: start a branch at a checkpoint and say where the work stood.

The branch starts at the checkpoint's branch commit when it got one, otherwise at a new
commit of its snapshot tree on top of the HEAD it was taken at. The work tree is switched
to it only when that cannot lose anything (the work tree and the index equal HEAD);
otherwise the note says how to switch. The note is the body the checkpoint recorded:
validation, completed / in progress / remaining, and the next step.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_piv import gitplumbing as git
from pytest_piv.checkpoints.model import Checkpoint, body_of
from pytest_piv.errors import UsageError

BRANCH_PREFIX = "resume/"


@dataclass(frozen=True)
class Resumed:
    checkpoint: Checkpoint
    branch: str
    start: str
    switched: bool
    note: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.checkpoint.id,
            "branch": self.branch,
            "start": self.start,
            "switched": self.switched,
            "note": list(self.note),
        }


def resume(repo: git.Repo, checkpoint: Checkpoint, name: str | None = None) -> Resumed:
    branch = name or f"{BRANCH_PREFIX}{checkpoint.branch}-{checkpoint.number}"
    if git.resolve(repo, f"refs/heads/{branch}"):
        raise UsageError(f"branch {branch!r} exists already (hint: pass --branch NAME)")
    committed = checkpoint.committed and git.resolve(repo, checkpoint.committed)
    tree = git.tree_of(repo, checkpoint.commit)
    if committed and git.tree_of(repo, committed) == tree:
        start = committed
    else:
        parents = [checkpoint.head] if checkpoint.head else []
        start = git.commit_tree(repo, tree, parents, f"wip: resume {checkpoint.id}\n")
    done = repo.git("branch", branch, start, check=False)
    if not done.ok:
        raise UsageError(
            f"cannot create branch {branch!r}: {git.one_line(done.stderr, done.returncode)}"
        )
    head = git.head(repo)
    trees = git.working_trees(repo)
    head_tree = git.tree_of(repo, head) if head else git.empty_tree(repo)
    clean = trees.work == head_tree and trees.staged in (None, head_tree)
    switched = clean and repo.git("switch", "-q", branch, check=False).ok
    body = body_of(checkpoint.message) or "Progress: not recorded with this checkpoint"
    note = [
        f"Resuming checkpoint {checkpoint.id}"
        + (f": {checkpoint.note}" if checkpoint.note else "")
        + f" (phase {checkpoint.phase or 'unknown'})",
        *body.splitlines(),
        "",
        f"On branch {branch}." if switched else
        f"Branch {branch} starts there; the work tree has changes, so it was not switched "
        f"(checkpoint them, then `git switch {branch}`).",
    ]  # fmt: skip
    return Resumed(checkpoint, branch, start, switched, tuple(note))
