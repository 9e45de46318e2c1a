from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pytest_piv.coverage.changes import changed_lines, merge_base, resolve_base
from pytest_piv.errors import VcsError


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "a.py").write_text("a = 1\nb = 2\nc = 3\n")
    (root / "b.py").write_text("x = 1\n")
    (root / ".gitignore").write_text("ignored.py\n")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    _git(root, "checkout", "-qb", "feature")
    (root / "a.py").write_text("a = 1\nb = 20\nc = 3\nd = 4\n")
    _git(root, "commit", "-qam", "committed change")
    return root


def test_changed_lines_include_committed_staged_unstaged_and_untracked(repo: Path) -> None:
    (repo / "b.py").write_text("x = 1\ny = 2\n")
    _git(repo, "add", "b.py")
    (repo / "b.py").write_text("x = 1\ny = 2\nz = 3\n")
    (repo / "c.py").write_text("new = 1\nnewer = 2\n")
    (repo / "ignored.py").write_text("nope = 1\n")
    base = merge_base(repo, "main")
    assert changed_lines(repo, base) == {
        "a.py": frozenset({2, 4}),
        "b.py": frozenset({2, 3}),
        "c.py": frozenset({1, 2}),
    }


def test_the_base_comes_from_the_flag_then_github_then_the_upstream(repo: Path) -> None:
    assert resolve_base(repo, "v1", {"GITHUB_BASE_REF": "main"}) == "v1"
    assert resolve_base(repo, None, {"GITHUB_BASE_REF": "main"}) == "main"
    assert resolve_base(repo, None, {}) is None
    _git(repo, "branch", "-q", "--set-upstream-to", "main")
    assert resolve_base(repo, None, {}) == "main"


def test_an_unknown_base_is_a_clear_error(repo: Path) -> None:
    with pytest.raises(VcsError, match="diff base 'nope' is not a commit here"):
        merge_base(repo, "nope")


def test_a_shallow_clone_says_to_fetch_more_history(repo: Path, tmp_path: Path) -> None:
    _git(repo, "checkout", "-q", "main")
    (repo / "a.py").write_text("a = 1\n")
    _git(repo, "commit", "-qam", "main moves")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", repo.as_uri(), str(clone))
    _git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    with pytest.raises(VcsError, match=r"shallow clone.*fetch-depth: 0"):
        merge_base(clone, "origin/main")


def test_outside_a_repository_diff_coverage_says_it_needs_git(tmp_path: Path) -> None:
    with pytest.raises(VcsError, match="needs a git repository"):
        merge_base(tmp_path, "main")
