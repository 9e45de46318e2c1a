"""Ask git which lines changed since a base: merge-base, staged, unstaged and untracked.

The diff base is, in order: the ``--piv-diff-base`` flag or ``diff_base`` key, then
``origin/$GITHUB_BASE_REF`` in a GitHub pull-request job, then the branch's upstream.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from pytest_piv.coverage.diff import parse_unified_diff
from pytest_piv.errors import VcsError

SHALLOW_HINT = (
    "this is a shallow clone, so the base commit is not here "
    "(hint: git fetch --unshallow, or actions/checkout with fetch-depth: 0)"
)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "core.quotepath=false", *args],
        cwd=root,
        capture_output=True,
        encoding="utf-8",
        errors="surrogateescape",  # a changed line need not be UTF-8; its number still counts
        check=False,
    )


def _ok(root: Path, *args: str) -> str | None:
    result = _git(root, *args)
    return result.stdout.strip() if result.returncode == 0 else None


def is_shallow(root: Path) -> bool:
    return _ok(root, "rev-parse", "--is-shallow-repository") == "true"


def resolve_base(root: Path, ref: str | None, env: Mapping[str, str]) -> str | None:
    """The ref to diff against; ``None`` when none is given and none can be found."""
    if ref:
        return ref
    github = env.get("GITHUB_BASE_REF", "").strip()
    if github:
        for candidate in (f"origin/{github}", github):
            if _ok(root, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"):
                return candidate
        return f"origin/{github}"
    return _ok(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")


def merge_base(root: Path, ref: str) -> str:
    """The merge-base of ``HEAD`` and ``ref``; a clear :class:`VcsError` when there is none."""
    if _ok(root, "rev-parse", "--git-dir") is None:
        raise VcsError(f"diff coverage needs a git repository, and {root} is not in one")
    if _ok(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") is None:
        hint = SHALLOW_HINT if is_shallow(root) else f"(hint: git fetch the ref {ref})"
        raise VcsError(f"diff base {ref!r} is not a commit here; {hint}")
    result = _git(root, "merge-base", "HEAD", ref)
    if result.returncode != 0:
        if is_shallow(root):
            raise VcsError(f"no merge-base of HEAD and {ref!r}: {SHALLOW_HINT}")
        raise VcsError(f"HEAD and {ref!r} share no history, so there is no merge-base")
    return result.stdout.strip()


def changed_lines(root: Path, base: str) -> dict[str, frozenset[int]]:
    """Lines added or changed in the work tree (staged or not) since ``base``.

    Untracked files that git does not ignore count as wholly added, whatever their
    encoding (lines end at LF, CRLF or CR, as Python counts them).
    Paths are relative to the repository top, which must be the project root for them to
    match measured files.
    """
    top = _ok(root, "rev-parse", "--show-toplevel")
    if top is None:
        raise VcsError(f"diff coverage needs a git repository, and {root} is not in one")
    result = _git(
        root, "diff", "--unified=0", "--no-color", "--no-ext-diff", "--relative", base, "--"
    )
    if result.returncode != 0:
        raise VcsError(f"git diff {base} failed: {result.stderr.strip()}")
    changed = parse_unified_diff(result.stdout)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    for name in untracked.stdout.split("\0"):
        if not name:
            continue
        try:
            content = (root / name).read_bytes()
        except OSError:
            continue
        count = len(content.splitlines())
        if count:
            changed[name] = frozenset(range(1, count + 1))
    return changed
