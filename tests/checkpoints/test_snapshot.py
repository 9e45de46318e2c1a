from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pytest_piv import gitplumbing
from pytest_piv.checkpoints.listing import resolve_checkpoint
from pytest_piv.checkpoints.rollback import rollback
from pytest_piv.checkpoints.snapshot import take_snapshot
from tests.checkpoints.conftest import git, picture, tree_picture


def snap(root: Path) -> str:
    snapshot = take_snapshot(gitplumbing.open_repo(root), subject="cp {number}", trailers={})
    assert snapshot is not None
    return snapshot.checkpoint.commit


def dirty(root: Path) -> None:
    """Every kind of change at once: modified, staged, untracked, deleted, mode, symlink."""
    (root / "src" / "app.py").write_text("print('changed')\n")
    (root / "new dir").mkdir()
    (root / "new dir" / "ünïcode name.txt").write_bytes(b"\x00\xffbinary\n")
    (root / "empty").write_bytes(b"")
    (root / "run.sh").chmod(0o644)
    (root / "link").unlink()
    (root / "link").symlink_to("run.sh")
    (root / "staged.py").write_text("x = 1\n")
    git(root, "add", "staged.py")
    (root / "staged.py").write_text("x = 2\n")
    (root / "debug.log").write_text("ignored\n")
    git(root, "rm", "-q", "--cached", "run.sh")
    (root / "gone.txt").write_text("")
    (root / "gone.txt").unlink()


def test_a_snapshot_holds_exactly_the_working_tree_without_ignored_files(repo: Path) -> None:
    dirty(repo)
    (repo / "src" / "app.py").unlink()
    commit = snap(repo)
    expected = picture(repo)
    del expected["debug.log"]
    assert tree_picture(repo, commit) == expected
    assert "src/app.py" not in expected
    assert expected["link"] == ("link", b"run.sh", False)
    assert expected["run.sh"][2] is False  # type: ignore[index]


def test_a_snapshot_touches_neither_the_index_nor_head_nor_any_file(repo: Path) -> None:
    dirty(repo)
    index = (repo / ".git" / "index").read_bytes()
    head = git(repo, "rev-parse", "HEAD")
    status = git(repo, "status", "--porcelain=v2", "-z")
    index = (repo / ".git" / "index").read_bytes()  # status may refresh the index once
    before = picture(repo, mtimes=True)
    snap(repo)
    assert (repo / ".git" / "index").read_bytes() == index
    assert git(repo, "rev-parse", "HEAD") == head
    assert picture(repo, mtimes=True) == before
    assert git(repo, "status", "--porcelain=v2", "-z") == status
    assert not list((repo / ".git").glob("piv-index-*"))


def test_a_snapshot_keeps_the_staged_version_of_a_file_changed_again_since(
    repo: Path,
) -> None:
    dirty(repo)
    commit = snap(repo)
    message = git(repo, "log", "-1", "--format=%B", commit)
    index_tree = next(
        line.split(": ")[1] for line in message.splitlines() if line.startswith("Piv-Index")
    )
    assert git(repo, "cat-file", "blob", f"{index_tree}:staged.py") == "x = 1\n"
    assert git(repo, "cat-file", "blob", f"{commit}:staged.py") == "x = 2\n"
    parents = git(repo, "rev-list", "--parents", "-n", "1", commit).split()[1:]
    assert parents[0] == git(repo, "rev-parse", "HEAD").strip()
    assert git(repo, "rev-parse", f"{parents[1]}^{{tree}}").strip() == index_tree


def test_snapshots_are_numbered_per_branch_on_their_own_refs(repo: Path) -> None:
    first, second = snap(repo), snap(repo)
    git(repo, "switch", "-q", "-c", "feature/x")
    third = snap(repo)
    refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/piv/")
    assert refs.splitlines() == [
        f"refs/piv/checkpoints/feature/x/1 {third}",
        f"refs/piv/checkpoints/main/1 {first}",
        f"refs/piv/checkpoints/main/2 {second}",
    ]


def test_an_empty_repository_on_an_unborn_branch_can_be_snapshotted(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "trunk")
    (tmp_path / "a.txt").write_text("a\n")
    commit = snap(tmp_path)
    assert tree_picture(tmp_path, commit) == {"a.txt": ("file", b"a\n", False)}
    assert git(tmp_path, "for-each-ref", "--format=%(refname)") == (
        "refs/piv/checkpoints/trunk/1\n"
    )
    assert not (tmp_path / ".git" / "index").exists()


def test_a_detached_head_is_snapshotted_under_head(repo: Path) -> None:
    git(repo, "switch", "-q", "--detach")
    snap(repo)
    assert git(repo, "for-each-ref", "--format=%(refname)").splitlines()[0] == ("refs/heads/main")
    assert "refs/piv/checkpoints/HEAD/1" in git(repo, "for-each-ref", "--format=%(refname)")


def test_a_snapshot_in_the_middle_of_a_merge_conflict_keeps_the_conflicted_file(
    repo: Path,
) -> None:
    git(repo, "switch", "-q", "-c", "other")
    (repo / "src" / "app.py").write_text("other\n")
    git(repo, "commit", "-qam", "other")
    git(repo, "switch", "-q", "main")
    (repo / "src" / "app.py").write_text("mine\n")
    git(repo, "commit", "-qam", "mine")
    subprocess_merge = gitplumbing.open_repo(repo).git("merge", "other", check=False)
    assert not subprocess_merge.ok
    index = (repo / ".git" / "index").read_bytes()
    commit = snap(repo)
    assert b"<<<<<<<" in tree_picture(repo, commit)["src/app.py"][1]  # type: ignore[index]
    assert "Piv-Index: conflicted" in git(repo, "log", "-1", "--format=%B", commit)
    assert (repo / ".git" / "index").read_bytes() == index


def test_outside_a_git_repository_opening_fails_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(gitplumbing.NotARepositoryError, match=r"not a git work tree"):
        gitplumbing.open_repo(tmp_path)


def test_a_huge_file_is_snapshotted_and_rolled_back_byte_for_byte(repo: Path) -> None:
    huge = os.urandom(1 << 20) * 48  # 48 MiB
    (repo / "huge.bin").write_bytes(huge)
    snap(repo)
    (repo / "huge.bin").write_bytes(b"small now")
    opened = gitplumbing.open_repo(repo)
    rollback(opened, resolve_checkpoint(opened, "1"))
    assert (repo / "huge.bin").read_bytes() == huge


def test_a_racily_clean_file_changed_in_the_second_the_index_was_written_is_seen(
    repo: Path,
) -> None:
    target = repo / "racy.txt"
    for _ in range(20):  # until the change lands in the same second as the index write
        target.write_text("1111\n")
        git(repo, "add", "racy.txt")
        before = target.stat()
        target.write_text("2222\n")  # same size; its mtime is then put back
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        index_second = int((repo / ".git" / "index").stat().st_mtime)
        if int(target.stat().st_ctime) == int(before.st_ctime) == index_second:
            break
    time.sleep(1.1)  # the snapshot comes a second later
    commit = snap(repo)
    assert tree_picture(repo, commit)["racy.txt"] == ("file", b"2222\n", False)
