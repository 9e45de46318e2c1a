from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.checkpoints.conftest import Piv, git, picture, refs, trailers


def test_a_checkpoint_commits_the_whole_work_tree_with_trailers_and_a_tag(
    repo: Path, piv: Piv
) -> None:
    (repo / "src" / "app.py").write_text("print('changed')\n")
    (repo / "notes.txt").write_text("untracked\n")
    (repo / "debug.log").write_text("ignored\n")
    before = picture(repo, mtimes=True)
    code, out, _ = piv("checkpoint", "--no-validate", "-m", "cart totals")
    assert code == 0
    assert out.splitlines()[0].startswith("checkpoint main/1: committed ")
    assert "tagged piv/cp/main/1" in out
    assert picture(repo, mtimes=True) == before
    assert git(repo, "log", "-1", "--format=%s") == "chore: cart totals\n"
    assert trailers(repo, "HEAD") == {
        "Piv-Checkpoint": "1",
        "Piv-Phase": "unknown",
        "Piv-Validation": "skipped",
        "Piv-Snapshot": "refs/piv/checkpoints/main/1",
    }
    assert git(repo, "status", "--porcelain") == ""  # everything but debug.log committed
    assert git(repo, "cat-file", "-t", "piv/cp/main/1") == "tag\n"
    assert git(repo, "rev-parse", "piv/cp/main/1^{commit}") == git(repo, "rev-parse", "HEAD")
    snapshot = trailers(repo, "refs/piv/checkpoints/main/1")
    assert snapshot["Piv-Commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert snapshot["Piv-Message"] == "cart totals"


def test_the_commit_type_follows_the_phase_of_the_last_recorded_run(repo: Path, piv: Piv) -> None:
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (repo / "tests").mkdir()
    (repo / "tests" / "test_a.py").write_text("def test_a():\n    assert True\n")
    run = [sys.executable, "-m", "pytest", "--piv", "-q", "-p", "no:cacheprovider"]
    subprocess.run(run, cwd=repo, check=True, capture_output=True)
    (repo / "tests" / "test_a.py").write_text(
        "def test_a():\n    assert True\n\n\ndef test_b():\n    assert 1 == 2\n"
    )
    subprocess.run(run, cwd=repo, check=False, capture_output=True)
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 0, err
    assert git(repo, "log", "-1", "--format=%s") == "test: checkpoint 1\n"
    assert trailers(repo, "HEAD")["Piv-Phase"] == "RED"
    body = git(repo, "log", "-1", "--format=%b")
    assert "In progress: 1 tests waiting to turn green\n  - tests/test_a.py::test_b" in body
    assert "Next: make tests/test_a.py::test_b pass" in body


def test_a_clean_work_tree_has_nothing_to_checkpoint(repo: Path, piv: Piv) -> None:
    code, _, err = piv("checkpoint", "--no-validate")
    assert (code, err) == (6, "piv: nothing to checkpoint: the work tree equals HEAD\n")
    assert refs(repo) == []


def test_outside_a_git_repository_checkpoint_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = Piv(tmp_path, capsys)("checkpoint", "--no-validate")
    assert code == 2
    assert err.count("\n") == 1
    assert "not a git work tree" in err


def test_a_failing_validation_blocks_the_commit_and_keeps_the_snapshot(
    repo: Path, piv: Piv
) -> None:
    (repo / "bad.py").write_text("import os\n")  # F401: unused import
    head = git(repo, "rev-parse", "HEAD")
    code, _, err = piv("checkpoint", "--preset", "minimal")
    assert code == 1
    assert "validation failed: nothing committed; snapshot main/1 kept" in err
    assert git(repo, "rev-parse", "HEAD") == head
    validation = trailers(repo, "refs/piv/checkpoints/main/1")["Piv-Validation"]
    assert validation == "ruff-check=fail ruff-format=pass"
    assert git(repo, "cat-file", "blob", "refs/piv/checkpoints/main/1:bad.py") == "import os\n"


def test_a_passing_validation_is_summarised_in_the_trailer(repo: Path, piv: Piv) -> None:
    (repo / "good.py").write_text("X = 1\n")
    code, _, err = piv("checkpoint", "--preset", "minimal")
    assert code == 0, err
    assert trailers(repo, "HEAD")["Piv-Validation"] == "ruff-check=pass ruff-format=pass"
    assert "  ruff-check: ok (" in git(repo, "log", "-1", "--format=%b")


def test_a_refusing_pre_commit_hook_blocks_the_commit_and_the_index_is_put_back(
    repo: Path, piv: Piv
) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint says no' >&2\nexit 1\n")
    hook.chmod(0o755)
    (repo / "staged.txt").write_text("one\n")
    git(repo, "add", "staged.txt")
    (repo / "loose.txt").write_text("two\n")
    status = git(repo, "status", "--porcelain")
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 1
    assert "git commit refused the checkpoint: lint says no (snapshot main/1 kept)" in err
    assert git(repo, "status", "--porcelain") == status
    code, _, _ = piv("checkpoint", "--no-validate", "--no-verify")
    assert code == 0
    assert git(repo, "status", "--porcelain") == ""


def test_a_hook_that_calls_checkpoint_does_not_recurse(repo: Path, piv: Piv) -> None:
    hook = repo / ".git" / "hooks" / "post-commit"
    hook.write_text(
        f"#!/bin/sh\n{sys.executable} -m pytest_piv checkpoint --no-validate >> hook.out 2>&1\n"
    )
    hook.chmod(0o755)
    (repo / "x.txt").write_text("x\n")
    code, _, _ = piv("checkpoint", "--no-validate")
    assert code == 0
    assert (repo / "hook.out").read_text() == "checkpoint skipped: already inside a checkpoint\n"
    assert refs(repo, "refs/piv/checkpoints/") == ["refs/piv/checkpoints/main/1"]


def test_wip_commits_onto_wip_branch_without_touching_head_or_the_index(
    repo: Path, piv: Piv
) -> None:
    (repo / "src" / "app.py").write_text("print('wip')\n")
    (repo / "staged.txt").write_text("s\n")
    git(repo, "add", "staged.txt")
    index = (repo / ".git" / "index").read_bytes()
    head = git(repo, "rev-parse", "HEAD")
    code, out, _ = piv("checkpoint", "--no-validate", "--wip", "-m", "halfway")
    assert code == 0
    assert "on wip/main" in out
    assert (repo / ".git" / "index").read_bytes() == index
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "cat-file", "blob", "wip/main:src/app.py") == "print('wip')\n"
    assert git(repo, "rev-parse", "wip/main^") == head
    (repo / "more.txt").write_text("m\n")
    piv("checkpoint", "--no-validate", "--wip")
    assert git(repo, "rev-list", "--count", "wip/main") == "3\n"
    code, _, err = piv("checkpoint", "--no-validate", "--wip")  # nothing new since
    assert (code, err) == (
        6,
        "piv: nothing to checkpoint: the work tree equals HEAD or the last wip commit\n",
    )


def test_in_the_middle_of_a_merge_the_snapshot_is_kept_and_nothing_committed(
    repo: Path, piv: Piv
) -> None:
    git(repo, "switch", "-q", "-c", "other")
    (repo / "src" / "app.py").write_text("other\n")
    git(repo, "commit", "-qam", "other")
    git(repo, "switch", "-q", "main")
    (repo / "src" / "app.py").write_text("mine\n")
    git(repo, "commit", "-qam", "mine")
    subprocess.run(["git", "merge", "other"], cwd=repo, capture_output=True, check=False)
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 2
    assert "a merge is in progress: nothing committed" in err
    assert refs(repo, "refs/piv/checkpoints/") == ["refs/piv/checkpoints/main/1"]


def test_checkpoints_lists_id_time_branch_phase_validation_and_message(
    repo: Path, piv: Piv
) -> None:
    (repo / "a.txt").write_text("a\n")
    piv("checkpoint", "--no-validate", "-m", "first")
    (repo / "b.txt").write_text("b\n")
    piv("checkpoint", "--no-validate", "-m", "second")
    listed = piv.json("checkpoints")
    assert [(c["id"], c["branch"], c["message"], c["validation"]) for c in listed] == [
        ("main/1", "main", "first", "skipped"),
        ("main/2", "main", "second", "skipped"),
    ]
    assert set(listed[0]) >= {"id", "time", "branch", "phase", "validation", "message"}
    code, out, _ = piv("checkpoints")
    assert code == 0
    assert out.splitlines()[1].startswith("main/2 ")


def test_prune_keeps_the_newest_checkpoints_of_each_branch(repo: Path, piv: Piv) -> None:
    for name in "abc":
        (repo / name).write_text(name)
        piv("checkpoint", "--no-validate", "--no-tag")
    code, out, _ = piv("checkpoint", "prune", "--keep", "1")
    assert (code, out) == (0, "pruned 2 checkpoint refs\n")
    assert refs(repo) == ["refs/piv/checkpoints/main/3"]
    (repo / "d").write_text("d")
    piv("checkpoint", "--no-validate")
    assert refs(repo)[-1] == "refs/piv/checkpoints/main/4"


def test_resume_starts_a_branch_at_the_checkpoint_and_prints_the_note(repo: Path, piv: Piv) -> None:
    (repo / "a.txt").write_text("a\n")
    piv("checkpoint", "--no-validate", "-m", "first")
    code, out, _ = piv("resume", "1")
    assert code == 0
    assert out.startswith("Resuming checkpoint main/1: first (phase unknown)\n")
    assert "Validation: skipped (--no-validate)" in out
    assert "Next: run `pytest --piv`" in out
    assert out.rstrip().endswith("On branch resume/main-1.")
    assert git(repo, "branch", "--show-current") == "resume/main-1\n"
    assert git(repo, "rev-parse", "HEAD") == git(repo, "rev-parse", "piv/cp/main/1^{commit}")


def test_an_unknown_checkpoint_is_a_one_line_usage_error(piv: Piv) -> None:
    for command in (("rollback", "9"), ("resume", "main/9")):
        code, _, err = piv(*command)
        assert code == 2
        assert err.count("\n") == 1
        assert "not found (expected an id such as 3 or main/3" in err


def test_the_first_checkpoint_of_an_empty_repository_is_a_root_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q", "-b", "trunk")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "dev")
    (tmp_path / "a.txt").write_text("a\n")
    code, out, err = Piv(tmp_path, capsys)("checkpoint", "--no-validate")
    assert code == 0, err
    assert out.startswith("checkpoint trunk/1: committed ")
    assert git(tmp_path, "rev-list", "--count", "HEAD") == "1\n"
    assert git(tmp_path, "show", "HEAD:a.txt") == "a\n"


def test_a_checkpoint_on_a_detached_head_commits_there_and_tags_under_head(
    repo: Path, piv: Piv
) -> None:
    git(repo, "switch", "-q", "--detach")
    (repo / "a.txt").write_text("a\n")
    code, out, _ = piv("checkpoint", "--no-validate")
    assert code == 0
    assert "tagged piv/cp/HEAD/1" in out
    assert git(repo, "show", "HEAD:a.txt") == "a\n"
    assert git(repo, "rev-parse", "main") != git(repo, "rev-parse", "HEAD")


def test_a_submodule_is_recorded_by_its_commit_and_left_alone_by_rollback(
    repo: Path, piv: Piv, tmp_path: Path
) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    (lib / "l.txt").write_text("l\n")
    git(lib, "add", "-A")
    git(lib, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "lib")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "lib")
    git(repo, "commit", "-qm", "add lib")
    (repo / "x.txt").write_text("x\n")
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 0, err
    assert git(repo, "ls-tree", "HEAD", "lib").split()[:2] == ["160000", "commit"]
    (repo / "lib" / "l.txt").write_text("changed inside\n")
    (repo / "x.txt").unlink()
    code, _, err = piv("rollback", "1")
    assert code == 0, err
    assert (repo / "x.txt").read_text() == "x\n"
    assert (repo / "lib" / "l.txt").read_text() == "changed inside\n"


def test_the_piv_store_is_left_out_of_checkpoints_and_rollbacks(repo: Path, piv: Piv) -> None:
    (repo / ".gitignore").write_text("*.log\n")  # .piv/ not ignored
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (repo / "tests").mkdir()
    (repo / "tests" / "test_a.py").write_text("def test_a():\n    assert True\n")
    run = [sys.executable, "-m", "pytest", "--piv", "-q", "-p", "no:cacheprovider"]
    subprocess.run(run, cwd=repo, check=True, capture_output=True)
    assert (repo / ".piv" / "piv.db").is_file()
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 0, err
    assert ".piv" not in git(repo, "ls-tree", "-r", "--name-only", "HEAD")
    assert git(repo, "status", "--porcelain") == "?? .piv/\n"
    (repo / "later.txt").write_text("later\n")
    code, _, err = piv("rollback", "1")
    assert code == 0, err
    assert (repo / ".piv" / "piv.db").is_file()
    assert not (repo / "later.txt").exists()


def test_a_missing_scanner_is_a_tool_error_and_the_snapshot_is_kept(
    repo: Path, piv: Piv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_git = tmp_path / "bin"
    only_git.mkdir()
    real_git = subprocess.run(["which", "git"], capture_output=True, text=True, check=True)
    (only_git / "git").symlink_to(real_git.stdout.strip())
    monkeypatch.setenv("PATH", str(only_git))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-venv" / "python"))
    (repo / "a.txt").write_text("a\n")
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 4
    assert err.startswith("piv: detect-secrets is not installed or not on PATH")
    assert "snapshot main/1 kept" in err
    assert refs(repo) == ["refs/piv/checkpoints/main/1"]
    code, _, err = piv("checkpoint", "--preset", "minimal")
    assert code == 4
    assert "is not installed or not on PATH" in err


def test_a_locked_index_is_a_tool_error_and_the_snapshot_is_kept(repo: Path, piv: Piv) -> None:
    (repo / "a.txt").write_text("a\n")
    (repo / ".git" / "index.lock").write_text("")  # another git process at work
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 4
    assert "index.lock" in err
    assert "snapshot main/1 kept" in err
    assert err.count("\n") == 1
    assert refs(repo) == ["refs/piv/checkpoints/main/1"]
