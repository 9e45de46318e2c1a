from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from pytest_piv import gitplumbing
from pytest_piv.checkpoints.listing import resolve_checkpoint
from pytest_piv.checkpoints.rollback import rollback, undo_target
from pytest_piv.checkpoints.snapshot import take_snapshot
from tests.checkpoints.conftest import Piv, git, picture, refs, tree_picture

IGNORED = (".log", "build/")


def is_ignored(path: str) -> bool:
    return path.endswith(".log") or path.startswith("build/")


def without_ignored(found: dict[str, object]) -> dict[str, object]:
    return {p: e for p, e in found.items() if not is_ignored(p)}


def only_ignored(found: dict[str, object]) -> dict[str, object]:
    return {p: e for p, e in found.items() if is_ignored(p)}


def test_rollback_restores_the_exact_tree_and_undo_gives_back_what_was_there(
    repo: Path, piv: Piv
) -> None:
    (repo / "kept.txt").write_text("at checkpoint\n")
    (repo / "debug.log").write_text("ignored before\n")
    piv("checkpoint", "--no-validate", "--no-tag", "--wip")
    at_checkpoint = without_ignored(picture(repo))
    (repo / "kept.txt").unlink()
    (repo / "created later.py").write_text("new\n")
    (repo / "deep" / "er").mkdir(parents=True)
    (repo / "deep" / "er" / "file").write_bytes(b"\x00\x01")
    (repo / "run.sh").chmod(0o644)
    (repo / "link").unlink()
    (repo / "link").symlink_to("nowhere")
    (repo / "src" / "app.py").write_text("edited\n")
    (repo / "debug.log").write_text("ignored after\n")
    before = picture(repo)
    code, out, _ = piv("rollback", "main/1")
    assert code == 0
    assert out.startswith("rolled back to checkpoint main/1: ")
    assert without_ignored(picture(repo)) == at_checkpoint
    assert not (repo / "deep").exists()
    assert (repo / "debug.log").read_text() == "ignored after\n"
    assert refs(repo, "refs/piv/safety/") == ["refs/piv/safety/main/1"]
    code, _, _ = piv("rollback", "--undo")
    assert code == 0
    assert picture(repo) == before
    code, _, _ = piv("rollback", "--undo")  # undo of the undo: forward again
    assert without_ignored(picture(repo)) == at_checkpoint


def test_a_repeated_rollback_keeps_undo_on_the_state_before_the_first(repo: Path, piv: Piv) -> None:
    (repo / "a.txt").write_text("at checkpoint\n")
    piv("checkpoint", "--no-validate", "--wip")
    (repo / "a.txt").write_text("my edits\n")
    assert piv("rollback", "1")[0] == 0
    assert piv("rollback", "1")[0] == 0  # e.g. run again after a kill
    assert piv("rollback", "--undo")[0] == 0
    assert (repo / "a.txt").read_text() == "my edits\n"


def test_rollback_refuses_in_the_middle_of_a_merge_and_changes_nothing(
    repo: Path, piv: Piv
) -> None:
    (repo / "a.txt").write_text("a\n")
    piv("checkpoint", "--no-validate")
    (repo / "MERGE_MARK").write_text("x")
    (repo / ".git" / "MERGE_HEAD").write_text(git(repo, "rev-parse", "HEAD"))
    before = picture(repo)
    code, _, err = piv("rollback", "1")
    assert code == 2
    assert (
        err == "piv: error: a merge is in progress: rollback refused (finish or abort it first)\n"
    )
    assert picture(repo) == before
    assert refs(repo, "refs/piv/safety/") == []


def test_undo_without_a_rollback_is_a_usage_error(piv: Piv) -> None:
    code, _, err = piv("rollback", "--undo")
    assert code == 2
    assert "nothing to undo" in err


def test_a_file_replaced_by_a_directory_and_back_is_restored(repo: Path, piv: Piv) -> None:
    (repo / "thing").write_text("a file\n")
    piv("checkpoint", "--no-validate")
    (repo / "thing").unlink()
    (repo / "thing").mkdir()
    (repo / "thing" / "inside.txt").write_text("in a dir\n")
    code, _, err = piv("rollback", "1")
    assert code == 0, err
    assert (repo / "thing").read_text() == "a file\n"
    piv("rollback", "--undo")
    assert (repo / "thing" / "inside.txt").read_text() == "in a dir\n"


def test_an_ignored_file_the_rollback_overwrites_is_kept_in_the_safety_snapshot(
    repo: Path, piv: Piv
) -> None:
    (repo / "out.txt").write_text("checkpointed\n")
    piv("checkpoint", "--no-validate", "--wip")
    (repo / "out.txt").unlink()
    (repo / ".gitignore").write_text("*.log\nout.txt\n")
    git(repo, "commit", "-qam", "ignore out.txt")
    (repo / "out.txt").write_text("precious, ignored\n")
    code, _, err = piv("rollback", "1")
    assert code == 0, err
    assert (repo / "out.txt").read_text() == "checkpointed\n"
    assert git(repo, "cat-file", "blob", "refs/piv/safety/main/1:out.txt") == "precious, ignored\n"
    piv("rollback", "--undo")
    assert (repo / "out.txt").read_text() == "precious, ignored\n"


def test_the_staged_state_comes_back_when_head_is_unchanged(repo: Path, piv: Piv) -> None:
    (repo / "s.txt").write_text("staged\n")
    git(repo, "add", "s.txt")
    (repo / "s.txt").write_text("staged, then changed\n")
    piv("checkpoint", "--no-validate", "--wip")
    status = git(repo, "status", "--porcelain")
    git(repo, "reset", "-q")
    (repo / "s.txt").unlink()
    code, _, _ = piv("rollback", "1")
    assert code == 0
    assert git(repo, "status", "--porcelain") == status
    assert git(repo, "show", ":s.txt") == "staged\n"


def test_a_rollback_killed_half_way_is_completed_by_running_it_again(
    opened: gitplumbing.Repo,
) -> None:
    root = opened.root
    (root / "a.txt").write_text("a\n")
    first = take_snapshot(opened, subject="cp {number}", trailers={})
    assert first is not None
    (root / "a.txt").write_text("changed\n")
    (root / "b.txt").write_text("b\n")
    before = picture(root)
    journal = opened.git_dir / "piv-rollback.json"
    # what a kill after the safety snapshot and a partial write leaves behind
    safety = take_snapshot(opened, prefix="refs/piv/safety/", subject="s {number}", trailers={})
    assert safety is not None
    journal.write_text(f'{{"undo": "{safety.checkpoint.commit}"}}')
    (root / "b.txt").unlink()
    target = resolve_checkpoint(opened, "1")
    rollback(opened, target)
    assert without_ignored(picture(root)) == tree_picture(root, first.checkpoint.commit)
    assert not journal.exists()
    rollback(opened, undo_target(opened))
    assert picture(root) == before


# -- the property: 200 random work trees ------------------------------------------------

NAMES = ["a.txt", "b c.py", "ünï.md", "dir/x", "dir/sub/y.bin", "e", "run", "z.log",
         "build/out", "dir/w.log", "spaced dir/f"]  # fmt: skip


def _random_edits(rng: random.Random, root: Path, edits: int) -> None:
    for _ in range(edits):
        name = rng.choice(NAMES)
        path = root / name
        op = rng.choice(["write", "write", "binary", "empty", "delete", "exec", "link", "stage",
                         "commit"])  # fmt: skip
        try:
            if op in ("write", "binary", "empty", "link", "exec") and path.is_dir():
                continue
            if op in ("write", "binary", "empty", "link"):
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.is_symlink():
                    path.unlink()
            if op == "write":
                path.write_text(f"{rng.random()}\n" * rng.randint(1, 3))
            elif op == "binary":
                path.write_bytes(rng.randbytes(rng.randint(1, 64)))
            elif op == "empty":
                path.write_bytes(b"")
            elif op == "delete" and (path.is_file() or path.is_symlink()):
                path.unlink()
            elif op == "exec" and path.is_file() and not path.is_symlink():
                path.chmod(path.stat().st_mode ^ 0o111)
            elif op == "link":
                if path.exists() or path.is_symlink():
                    path.unlink()
                path.symlink_to(rng.choice(["a.txt", "missing", "../e"]))
            elif op == "stage":
                subprocess.run(["git", "add", "-A", "--", name], cwd=root, capture_output=True)
            elif op == "commit":
                subprocess.run(["git", "commit", "-qam", "c"], cwd=root, capture_output=True)
        except (NotADirectoryError, FileExistsError, IsADirectoryError):
            continue


@pytest.mark.slow
@pytest.mark.parametrize("block", range(10))
def test_checkpoint_edit_rollback_undo_never_loses_a_byte(tmp_path: Path, block: int) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "p@example.com")
    git(root, "config", "user.name", "p")
    (root / ".gitignore").write_text("*.log\nbuild/\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    opened = gitplumbing.open_repo(root)
    for example in range(20):
        rng = random.Random(block * 1000 + example)
        _random_edits(rng, root, rng.randint(1, 12))
        snapshot = take_snapshot(opened, subject="cp {number}", trailers={})
        assert snapshot is not None
        expected = tree_picture(root, snapshot.checkpoint.commit)
        assert without_ignored(picture(root)) == expected
        _random_edits(rng, root, rng.randint(1, 12))
        before = picture(root)
        rollback(opened, resolve_checkpoint(opened, snapshot.checkpoint.ref))
        after = picture(root)
        assert without_ignored(after) == expected, (block, example)
        assert only_ignored(after) == only_ignored(before), (block, example)
        rollback(opened, undo_target(opened))
        assert picture(root) == before, (block, example)


def test_rollback_json_and_the_safety_listing_name_what_happened(repo: Path, piv: Piv) -> None:
    (repo / "a.txt").write_text("a\n")
    piv("checkpoint", "--no-validate", "--wip")
    (repo / "a.txt").unlink()
    (repo / "b.txt").write_text("b\n")
    data = piv.json("rollback", "main/1")
    assert data == {
        "target": "main/1",
        "safety": "safety/main/1",
        "removed": ["b.txt"],
        "written": ["a.txt"],
        "index_restored": True,
        "skipped": [],
    }
    listed = piv.json("checkpoints", "--safety")
    assert [c["id"] for c in listed] == ["safety/main/1"]
    assert piv.json("rollback", "--undo")["target"] == "undo"
    assert (repo / "b.txt").read_text() == "b\n"
