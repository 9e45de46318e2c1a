"""The published hooks with the real pre-commit: the manifest, `try-repo` for each hook
(passing and failing) and a consumer that installs them from a pinned rev.

pre-commit installs this repository into a hook virtualenv once per test session (about
40 s here); every test after that reuses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]

from tests.conftest import Project, git

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")
NEW_RED = "\n\ndef test_discount():\n    assert subtotal([5]) == 6\n"


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [PRE_COMMIT, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def git_commit(cwd: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    """``git commit -m MESSAGE`` as a user types it, hooks and all."""
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """This checkout as it is now (committed or not), as a git repository with one commit,
    and the pre-commit home its hook environment is installed in."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git(snapshot, "init", "-q")
    git(snapshot, "add", "-A")
    git(snapshot, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "snapshot")
    return snapshot, git(snapshot, "rev-parse", "HEAD").strip(), tmp_path_factory.mktemp("pch")


@pytest.fixture
def consumer(plain_project: Project) -> Project:
    """A project with a RED run of exactly what is staged; validate uses this venv's tools."""
    plain_project.append(
        "pyproject.toml",
        f'\n[tool.piv.validate]\npreset = "minimal"\npython = "{sys.executable}"\n',
    )
    plain_project.commit("piv config")
    plain_project.run()
    plain_project.append("tests/test_cart.py", NEW_RED)
    plain_project.run()
    git(plain_project.path, "add", "tests/test_cart.py")
    return plain_project


def try_repo(
    consumer: Project, hook_repo: tuple[Path, str, Path], hook: str, *args: str
) -> subprocess.CompletedProcess[str]:
    repo, rev, home = hook_repo
    return pre_commit(consumer.path, home, "try-repo", str(repo), hook, "--ref", rev, *args)


def test_the_manifest_and_the_projects_config_validate_with_pre_commit(tmp_path: Path) -> None:
    done = pre_commit(REPO, tmp_path, "validate-manifest", ".pre-commit-hooks.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    done = pre_commit(REPO, tmp_path, "validate-config", ".pre-commit-config.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"]: h["stages"] for h in hooks} == {
        "piv-validate": ["pre-commit", "pre-push", "manual"],
        "piv-rgr": ["pre-commit"],
        "piv-commit-msg": ["commit-msg"],
        "piv-checkpoint": ["manual", "post-commit"],
    }
    assert {h["minimum_pre_commit_version"] for h in hooks} == {"3.2.0"}
    assert {h["language"] for h in hooks} == {"python"}


def test_piv_rgr_passes_a_staged_red_run_and_fails_staged_code_no_run_saw(
    consumer: Project, hook_repo: tuple[Path, str, Path]
) -> None:
    passed = try_repo(consumer, hook_repo, "piv-rgr")
    assert passed.returncode == 0, passed.stdout
    assert "piv RGR commit gate" in passed.stdout
    consumer.write("src/shop/cart.py", "def subtotal(prices):\n    return 0\n")
    git(consumer.path, "add", "src/shop/cart.py")
    failed = try_repo(consumer, hook_repo, "piv-rgr")
    assert failed.returncode == 1
    assert "piv-rgr: the staged test and source files match no complete" in failed.stdout


def test_piv_commit_msg_wants_the_type_of_the_staged_phase(
    consumer: Project, hook_repo: tuple[Path, str, Path]
) -> None:
    message = consumer.path / "MSG"
    message.write_text("feat: discounts\n", encoding="utf-8")
    args = ("--hook-stage", "commit-msg", "--commit-msg-filename", str(message))
    failed = try_repo(consumer, hook_repo, "piv-commit-msg", *args)
    assert failed.returncode == 1
    assert "the staged change was RED in run 2, so the commit is 'test:'" in failed.stdout
    message.write_text("test: discounts\n", encoding="utf-8")
    passed = try_repo(consumer, hook_repo, "piv-commit-msg", *args)
    assert passed.returncode == 0, passed.stdout


def test_piv_validate_checks_staged_content_and_leaves_unstaged_changes_intact(
    consumer: Project, hook_repo: tuple[Path, str, Path]
) -> None:
    passed = try_repo(consumer, hook_repo, "piv-validate")
    assert passed.returncode == 0, passed.stdout
    # an unstaged lint error is not what is committed: not validated, and kept
    dirty = "import os\n" + (consumer.path / "tests/test_cart.py").read_text(encoding="utf-8")
    consumer.write("tests/test_cart.py", dirty)
    passed = try_repo(consumer, hook_repo, "piv-validate")
    assert passed.returncode == 0, passed.stdout
    assert (consumer.path / "tests/test_cart.py").read_text(encoding="utf-8") == dirty
    git(consumer.path, "add", "tests/test_cart.py")
    failed = try_repo(consumer, hook_repo, "piv-validate")
    assert failed.returncode == 1
    assert "tests/test_cart.py:1:8: F401 `os` imported but unused" in failed.stdout


def test_a_consumer_installs_the_hooks_from_a_pinned_rev_and_commits_through_them(
    consumer: Project, hook_repo: tuple[Path, str, Path]
) -> None:
    repo, rev, home = hook_repo
    consumer.write(
        ".pre-commit-config.yaml",
        f"repos:\n-   repo: {repo}\n    rev: {rev}\n    hooks:\n"
        "    -   id: piv-rgr\n    -   id: piv-commit-msg\n",
    )
    git(consumer.path, "add", ".pre-commit-config.yaml")
    installed = pre_commit(
        consumer.path, home, "install", "--hook-type", "pre-commit", "--hook-type", "commit-msg"
    )
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return git_commit(consumer.path, env, message)

    refused = commit("feat: discounts")
    assert refused.returncode == 1
    assert "so the commit is 'test:', not 'feat:'" in refused.stdout + refused.stderr
    accepted = commit("test: discounts")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(consumer.path, "log", "-1", "--format=%s").strip() == "test: discounts"


# -- prek, the Rust re-implementation, reads the same manifest ------------------------------

PREK = str(Path(sys.executable).parent / "prek")


@pytest.fixture(scope="session")
def prek_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prek")


def prek_try(
    consumer: Project, hook_repo: tuple[Path, str, Path], home: Path, hook: str
) -> subprocess.CompletedProcess[str]:
    repo, rev, _ = hook_repo
    env = {**os.environ, "PREK_HOME": str(home), "PREK_COLOR": "never"}
    return subprocess.run(
        [PREK, "try-repo", str(repo), hook, "--rev", rev, "--no-progress"],
        cwd=consumer.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_prek_runs_the_published_hooks_passing_and_failing(
    consumer: Project, hook_repo: tuple[Path, str, Path], prek_home: Path
) -> None:
    passed = prek_try(consumer, hook_repo, prek_home, "piv-rgr")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert prek_try(consumer, hook_repo, prek_home, "piv-validate").returncode == 0
    consumer.write("src/shop/cart.py", "import os\ndef subtotal(prices):\n    return 0\n")
    git(consumer.path, "add", "src/shop/cart.py")
    failed = prek_try(consumer, hook_repo, prek_home, "piv-rgr")
    assert failed.returncode == 1
    assert "piv-rgr: the staged test and source files match no complete" in failed.stdout
    failed = prek_try(consumer, hook_repo, prek_home, "piv-validate")
    assert failed.returncode == 1
    assert "src/shop/cart.py:1:8: F401 `os` imported but unused" in failed.stdout


def test_prek_installs_the_commit_msg_hook_and_git_commit_goes_through_it(
    consumer: Project, hook_repo: tuple[Path, str, Path], prek_home: Path
) -> None:
    repo, rev, _ = hook_repo
    consumer.write(
        ".pre-commit-config.yaml",
        f"repos:\n-   repo: {repo}\n    rev: {rev}\n    hooks:\n"
        "    -   id: piv-rgr\n    -   id: piv-commit-msg\n",
    )
    git(consumer.path, "add", ".pre-commit-config.yaml")
    env = {**os.environ, "PREK_HOME": str(prek_home), "PREK_COLOR": "never"}
    installed = subprocess.run(
        [PREK, "install", "--hook-type", "pre-commit", "--hook-type", "commit-msg"],
        cwd=consumer.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "prek" in (consumer.path / ".git" / "hooks" / "commit-msg").read_text(encoding="utf-8")

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return git_commit(consumer.path, env, message)

    refused = commit("feat: discounts")
    assert refused.returncode == 1
    assert "so the commit is 'test:', not 'feat:'" in refused.stdout + refused.stderr
    assert git(consumer.path, "rev-list", "--count", "HEAD").strip() == "2"
    malformed = commit("added discounts")
    assert malformed.returncode == 1
    assert "piv-commit-msg: 'added discounts' is not a conventional commit" in (
        malformed.stdout + malformed.stderr
    )
    accepted = commit("test: discounts")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(consumer.path, "log", "-1", "--format=%s").strip() == "test: discounts"
