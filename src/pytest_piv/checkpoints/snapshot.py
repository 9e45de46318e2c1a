"""Snapshot first, always: the working tree as a commit on a ref of its own.

:func:`take_snapshot` reads the whole working tree into a temporary index, writes it as a
tree, commits it (parents: HEAD and a commit of the index as it was, so that staged
content is kept too) and creates ``refs/piv/<kind>/<branch>/<n>`` with a compare-and-swap
``update-ref``. It touches neither the index, nor HEAD, nor any file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pytest_piv import gitplumbing as git
from pytest_piv.checkpoints.model import (
    CHECKPOINTS,
    DETACHED,
    TAG_PREFIX,
    Checkpoint,
    format_message,
    parse_trailers,
    ref_name,
    split_ref,
)
from pytest_piv.errors import VcsError

#: how many taken numbers a snapshot skips before it gives up (another piv racing it)
MAX_RACE = 100


@dataclass(frozen=True)
class Snapshot:
    """A snapshot just taken, and what the working tree was relative to HEAD."""

    checkpoint: Checkpoint
    tree: str
    head: str | None
    head_tree: str | None
    index_tree: str | None

    @property
    def unchanged(self) -> bool:
        """True when the working tree and the index both equal HEAD's tree."""
        return self.tree == self.head_tree and self.index_tree in (None, self.head_tree)


def current_branch(repo: git.Repo) -> str:
    return git.branch(repo) or DETACHED


def next_number(repo: git.Repo, prefix: str, branch: str) -> int:
    """One more than the highest number used by a ref (or a checkpoint tag) of *branch*."""
    used = [0]
    for row in git.refs(repo, f"{prefix}{branch}/"):
        parsed = split_ref(row.ref)
        if parsed and parsed[0] == branch:
            used.append(parsed[1])
    if prefix == CHECKPOINTS:
        for row in git.refs(repo, f"refs/tags/{TAG_PREFIX}{branch}/"):
            number = row.ref.rpartition("/")[2]
            if number.isdigit():
                used.append(int(number))
    return max(used) + 1


def take_snapshot(
    repo: git.Repo,
    *,
    prefix: str = CHECKPOINTS,
    subject: str,
    trailers: Mapping[str, str],
    force: Sequence[str] = (),
    skip_unchanged: bool = False,
    skip_tree: str | None = None,
) -> Snapshot | None:
    """Snapshot the working tree onto the next ref under *prefix* for the current branch.

    With *skip_unchanged*, returns None (and creates nothing) when the working tree and
    the index equal HEAD, or when the working tree is *skip_tree*.
    """
    branch = current_branch(repo)
    head = git.head(repo)
    trees = git.working_trees(repo, force)
    head_tree = git.tree_of(repo, head) if head else git.empty_tree(repo)
    if skip_unchanged and (
        (trees.work == head_tree and trees.staged in (None, head_tree)) or trees.work == skip_tree
    ):
        return None
    head_parents = [head] if head else []
    parents = list(head_parents)
    if trees.staged is not None and trees.staged != trees.work:
        index_message = f"piv: index of the snapshot of {branch}\n"
        parents.append(git.commit_tree(repo, trees.staged, head_parents, index_message))
    number = next_number(repo, prefix, branch)
    for _ in range(MAX_RACE):
        all_trailers = {
            "Piv-Checkpoint": str(number),
            "Piv-Branch": branch,
            "Piv-Head": head or "none",
            "Piv-Index": trees.staged or "conflicted",
            **trailers,
        }
        message = format_message(subject.format(number=number, branch=branch), "", all_trailers)
        commit = git.commit_tree(repo, trees.work, parents, message)
        ref = ref_name(prefix, branch, number)
        if git.create_ref(repo, ref, commit):
            checkpoint = Checkpoint(
                ref, branch, number, commit, 0, message, parse_trailers(message)
            )
            return Snapshot(checkpoint, trees.work, head, head_tree, trees.staged)
        number += 1
    raise VcsError(f"could not create a ref under {prefix}{branch}/ after {MAX_RACE} tries")


def rewrite(repo: git.Repo, checkpoint: Checkpoint, message: str) -> Checkpoint:
    """The same snapshot (same tree, same parents) with a new message, moved onto its ref
    with a compare-and-swap: the tree never changes, so nothing can be lost."""
    parents = repo.out("rev-list", "--parents", "-n", "1", checkpoint.commit).split()[1:]
    tree = git.tree_of(repo, checkpoint.commit)
    commit = git.commit_tree(repo, tree, parents, message)
    git.move_ref(repo, checkpoint.ref, commit, checkpoint.commit)
    return Checkpoint(
        checkpoint.ref,
        checkpoint.branch,
        checkpoint.number,
        commit,
        checkpoint.time,
        message,
        parse_trailers(message),
    )
