"""Rollback: make the working tree byte-identical to a checkpoint, after a safety snapshot.

In order: refuse in the middle of a merge, rebase or cherry-pick; take a safety snapshot
of the current state on ``refs/piv/safety/<branch>/<n>`` (including any ignored file the
rollback would overwrite); write a journal; delete the files the checkpoint does not have,
write those it has differently (content, mode, symlink); check that the working tree now
is the checkpoint's tree; remove the journal. Ignored files are never touched.
``refs/piv/undo/<branch>`` points at the state before the last rollback (a rerun of that
same rollback that finds the work tree already there leaves it), which is what
``piv rollback --undo`` returns to. A rollback killed half-way
is completed by running it again; the journal keeps the undo target of the interrupted
one.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pytest_piv import gitplumbing as git
from pytest_piv.checkpoints.listing import UNDO_PREFIX, read_commit
from pytest_piv.checkpoints.model import SAFETY, Checkpoint, parse_trailers
from pytest_piv.checkpoints.snapshot import current_branch, take_snapshot
from pytest_piv.errors import PivError, UsageError

JOURNAL = "piv-rollback.json"
SUBMODULE = "160000"


class RollbackError(PivError):
    """A rollback could not make the working tree equal to the checkpoint."""


@dataclass(frozen=True)
class RolledBack:
    target: Checkpoint
    safety: Checkpoint
    removed: tuple[str, ...]
    written: tuple[str, ...]
    index_restored: bool
    skipped: tuple[str, ...] = ()


def rollback(repo: git.Repo, target: Checkpoint) -> RolledBack:
    busy = git.in_progress(repo)
    if busy:
        raise UsageError(f"{busy} is in progress: rollback refused (finish or abort it first)")
    journal = repo.git_dir / JOURNAL
    interrupted = _read_journal(journal)
    target_tree = git.tree_of(repo, target.commit)
    force = _ignored_to_overwrite(repo, target_tree)
    safety = take_snapshot(
        repo,
        prefix=SAFETY,
        subject=f"piv safety snapshot {{number}} of {{branch}} before rollback to {target.id}",
        trailers={
            "Piv-Kind": "safety",
            "Piv-Rollback-To": target.id,
            "Piv-Rollback-Target": target.commit,
        },
        force=force,
    )
    assert safety is not None  # skip_unchanged is off: a snapshot is always taken
    undo_ref = f"{UNDO_PREFIX}{current_branch(repo)}"
    undo_target = interrupted.get("undo") or safety.checkpoint.commit
    if not interrupted and safety.tree == target_tree:
        # a rerun of the rollback that got us here (e.g. after it was killed when done):
        # undo keeps returning to the state before that rollback
        previous = git.resolve(repo, undo_ref)
        if previous and _target_of(repo, previous) == target.commit:
            undo_target = previous
    _write_journal(journal, {"undo": undo_target, "target": target.commit})
    git.move_ref(repo, undo_ref, undo_target, None)
    removed, written, skipped = _restore(repo, safety.tree, target_tree)
    index_restored = False
    if target.index_tree and target.head == git.head(repo):
        git.set_index(repo, target.index_tree)
        index_restored = True
    now = git.working_trees(repo, force).work
    if now != target_tree:
        differing = [c.path for c in git.diff_trees(repo, target_tree, now)][:5]
        raise RollbackError(
            f"the working tree differs from checkpoint {target.id} after the rollback "
            f"({', '.join(differing)}); `piv rollback --undo` returns to the state before"
        )
    journal.unlink(missing_ok=True)
    return RolledBack(target, safety.checkpoint, removed, written, index_restored, skipped)


def undo_target(repo: git.Repo) -> Checkpoint:
    """The state before the last rollback of this branch (what ``--undo`` returns to)."""
    journal = _read_journal(repo.git_dir / JOURNAL)
    ref = f"{UNDO_PREFIX}{current_branch(repo)}"
    commit = journal.get("undo") or git.resolve(repo, ref)
    if not commit:
        raise UsageError("nothing to undo: no rollback recorded on this branch")
    checkpoint = read_commit(repo, ref, commit)
    return Checkpoint(ref, checkpoint.branch, checkpoint.number, commit, checkpoint.time,
                      checkpoint.message, checkpoint.trailers)  # fmt: skip


def _target_of(repo: git.Repo, safety_commit: str) -> str | None:
    """The commit the rollback that took this safety snapshot went to."""
    message = repo.out("log", "-1", "--format=%B", safety_commit)
    return parse_trailers(message).get("Piv-Rollback-Target")


def _ignored_to_overwrite(repo: git.Repo, tree: str) -> list[str]:
    """Ignored files on disk that the checkpoint holds: the safety snapshot keeps them."""
    on_disk = [p for p in git.ls_tree(repo, tree) if os.path.lexists(repo.root / p)]
    return git.check_ignore(repo, on_disk)


def _restore(
    repo: git.Repo, current: str, target: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    changes = git.diff_trees(repo, current, target)
    removed: list[str] = []
    skipped: list[str] = []
    for change in changes:
        if change.status != "D":
            continue
        if change.old_mode == SUBMODULE:
            skipped.append(change.path)
            continue
        path = repo.root / change.path
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        removed.append(change.path)
        _prune_empty_dirs(repo.root, path.parent)
    to_write = []
    for change in changes:
        if change.status == "D":
            continue
        if SUBMODULE in (change.old_mode, change.new_mode):
            skipped.append(change.path)
            continue
        path = repo.root / change.path
        if path.is_dir() and not path.is_symlink():
            _prune_empty_dirs(repo.root, path)
        to_write.append(change.path)
    git.checkout_paths(repo, target, to_write)
    return tuple(removed), tuple(to_write), tuple(skipped)


def _prune_empty_dirs(root: Path, directory: Path) -> None:
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def _read_journal(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_journal(path: Path, data: dict[str, str]) -> None:
    partial = path.with_name(path.name + f".{os.getpid()}")
    partial.write_text(json.dumps(data), encoding="utf-8")
    partial.replace(path)
