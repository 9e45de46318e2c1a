"""Reading checkpoints back: list them, resolve an id, prune old ones."""

from __future__ import annotations

from pytest_piv import gitplumbing as git
from pytest_piv.checkpoints.model import (
    CHECKPOINTS,
    SAFETY,
    Checkpoint,
    parse_trailers,
    split_ref,
)
from pytest_piv.checkpoints.snapshot import current_branch
from pytest_piv.errors import UsageError

UNDO_PREFIX = "refs/piv/undo/"


def list_checkpoints(repo: git.Repo, prefix: str = CHECKPOINTS) -> list[Checkpoint]:
    """Every checkpoint (or safety snapshot) under *prefix*, oldest first."""
    found = []
    for row in git.refs(repo, prefix):
        parsed = split_ref(row.ref)
        if parsed is None:
            continue
        branch, number = parsed
        message = row.body
        found.append(
            Checkpoint(row.ref, branch, number, row.commit, row.time, message,
                       parse_trailers(message))
        )  # fmt: skip
    return sorted(found, key=lambda c: (c.time, c.branch, c.number))


def read_commit(repo: git.Repo, ref: str, commit: str) -> Checkpoint:
    """A checkpoint-like view of any snapshot commit (e.g. the undo target)."""
    message = repo.out("log", "-1", "--format=%B", commit)
    time = int(repo.out("log", "-1", "--format=%ct", commit).strip() or 0)
    parsed = split_ref(ref) or (current_branch(repo), 0)
    return Checkpoint(ref, parsed[0], parsed[1], commit, time, message, parse_trailers(message))


def resolve_checkpoint(repo: git.Repo, ident: str) -> Checkpoint:
    """``7`` (current branch), ``feature/x/7``, ``safety/main/2`` or a full ``refs/piv/`` ref."""
    text = ident.strip()
    if text.isdigit():
        ref = f"{CHECKPOINTS}{current_branch(repo)}/{text}"
    elif text.startswith("refs/piv/"):
        ref = text
    elif text.startswith("safety/"):
        ref = f"{SAFETY}{text.removeprefix('safety/')}"
    elif text.startswith("piv/cp/"):
        ref = f"{CHECKPOINTS}{text.removeprefix('piv/cp/')}"
    else:
        ref = f"{CHECKPOINTS}{text}"
    commit = git.resolve(repo, ref) if split_ref(ref) else None
    if commit is None:
        raise UsageError(
            f"checkpoint {ident!r} not found (expected an id such as 3 or main/3; "
            f"hint: `piv checkpoints` lists them)"
        )
    return read_commit(repo, ref, commit)


def prune(repo: git.Repo, keep: int) -> list[str]:
    """Delete all but the newest *keep* checkpoint and safety refs of each branch.

    Tags and branch commits stay; only the snapshot refs go. Returns the deleted refs.
    """
    if keep < 0:
        raise UsageError(f"--keep {keep}: expected a number of checkpoints >= 0")
    deleted = []
    for prefix in (CHECKPOINTS, SAFETY):
        by_branch: dict[str, list[Checkpoint]] = {}
        for checkpoint in list_checkpoints(repo, prefix):
            by_branch.setdefault(checkpoint.branch, []).append(checkpoint)
        for checkpoints in by_branch.values():
            ordered = sorted(checkpoints, key=lambda c: c.number)
            for old in ordered[: max(len(ordered) - keep, 0)]:
                git.delete_ref(repo, old.ref, old.commit)
                deleted.append(old.ref)
    return deleted
