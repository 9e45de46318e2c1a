"""A throw-away git worktree of a base ref, for A/B runs."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytest_piv.errors import VcsError


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise VcsError(f"git {' '.join(args)} could not run in {cwd}: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise VcsError(
            f"git {' '.join(args)} failed in {cwd}: {detail[-1] if detail else done.returncode}"
        )
    return done.stdout.strip()


@contextmanager
def checkout(project: Path, ref: str) -> Iterator[Path]:
    """Check ``ref`` out in a temporary worktree; yield the directory matching ``project``."""
    top = Path(_git(project, "rev-parse", "--show-toplevel")).resolve()
    try:
        commit = _git(project, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except VcsError:
        raise VcsError(
            f"--base {ref!r} is not a commit of {top} (hint: a branch, tag or SHA; git fetch?)"
        ) from None
    inside = project.resolve().relative_to(top)
    scratch = Path(tempfile.mkdtemp(prefix="piv-ab-"))
    tree = scratch / "base"
    _git(top, "worktree", "add", "--detach", str(tree), commit)
    try:
        yield tree / inside
    finally:
        try:
            _git(top, "worktree", "remove", "--force", str(tree))
        except VcsError:
            _git(top, "worktree", "prune")
        shutil.rmtree(scratch, ignore_errors=True)


def head(project: Path) -> str | None:
    """The short commit id checked out at ``project`` (None outside git)."""
    try:
        return _git(project, "rev-parse", "--short=12", "HEAD") or None
    except VcsError:
        return None
