"""`piv hooks` against real `pytest --piv` runs in real git repositories, and the shims."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pytest_piv.cli import cli
from pytest_piv.validate import shims
from tests.conftest import Project, git

REPO = Path(__file__).resolve().parents[2]
NEW_RED = "\n\ndef test_discount():\n    assert subtotal([5]) == 6\n"
NEW_GREEN = "\n\ndef test_pair():\n    assert subtotal([1, 1]) == 2\n"


def hook(project: Project, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["--root", str(project.path), "hooks", *args], standalone_mode=False
    )
    if result.exception is not None:
        raise result.exception
    return int(result.return_value or 0), result.stdout, result.stderr


def commit_msg(project: Project, message: str) -> tuple[int, str]:
    path = project.path / ".git" / "COMMIT_EDITMSG"
    path.write_text(message + "\n", encoding="utf-8")
    code, _, err = hook(project, "commit-msg", str(path))
    return code, err


@pytest.fixture
def red(plain_project: Project) -> Project:
    plain_project.run()  # ADOPTED
    plain_project.append("tests/test_cart.py", NEW_RED)
    assert "piv: RED" in plain_project.run().stdout.str()
    git(plain_project.path, "add", "-A")
    return plain_project


def test_a_staged_red_run_passes_the_gate_and_wants_a_test_commit(red: Project) -> None:
    code, out, _ = hook(red, "rgr")
    assert (code, out) == (0, "piv-rgr: backed by run 2 (RED)\n")
    code, err = commit_msg(red, "feat: discounts")
    assert code == 1
    assert err == (
        "piv-commit-msg: the staged change was RED in run 2, so the commit is 'test:',"
        " not 'feat:' (hint: git commit -m \"test: discounts\")\n"
    )
    assert commit_msg(red, "test: discounts") == (0, "")


def test_staged_content_no_run_has_seen_fails_the_gate_with_what_to_run(red: Project) -> None:
    red.write("src/shop/cart.py", "def subtotal(prices):\n    return sum(prices) + 1\n")
    git(red.path, "add", "src/shop/cart.py")
    code, _, err = hook(red, "rgr")
    assert code == 1
    assert err.startswith("piv-rgr: the staged test and source files match no complete")
    # only staged content counts: the work tree's own change is not what is committed
    git(red.path, "reset", "-q", "src/shop/cart.py")
    assert hook(red, "rgr")[0] == 0


def test_a_green_run_wants_feat_or_fix(red: Project) -> None:
    red.write(
        "src/shop/cart.py", "def subtotal(prices):\n    return sum(prices) + (len(prices) == 1)\n"
    )
    assert "piv: GREEN" in red.run().stdout.str()
    git(red.path, "add", "-A")
    assert hook(red, "rgr")[0] == 0
    assert commit_msg(red, "fix: discount for one item")[0] == 0
    code, err = commit_msg(red, "test: discount for one item")
    assert code == 1
    assert "was GREEN in run 3, so the commit is 'feat:' or 'fix:', not 'test:'" in err


def test_a_violation_fails_the_commit_gate(plain_project: Project) -> None:
    plain_project.run()
    plain_project.append("tests/test_cart.py", NEW_GREEN)
    assert "piv: VIOLATION" in plain_project.run().stdout.str()
    git(plain_project.path, "add", "-A")
    code, _, err = hook(plain_project, "rgr")
    assert code == 1
    assert err.startswith("piv-rgr: the staged files were run in run 2 with phase VIOLATION")


def test_a_commit_without_test_or_source_files_passes_and_any_type_fits(red: Project) -> None:
    git(red.path, "commit", "-qm", "test: discounts")
    red.write("README.md", "docs\n")
    git(red.path, "add", "README.md")
    assert hook(red, "rgr")[:2] == (0, "piv-rgr: no test or source file staged\n")
    assert commit_msg(red, "docs: readme")[0] == 0


# -- the shims, installed around a user's own hook, with real git commits -------------------

USER_HOOK = "#!/bin/sh\necho user-hook-ran >> user-hook.log\n"


@pytest.fixture
def piv_env() -> dict[str, str]:
    piv = Path(sys.executable).parent / "piv"
    return {**os.environ, "PIV": str(piv)}


def test_the_shims_in_hooks_are_the_ones_piv_hooks_install_writes() -> None:
    for name in shims.COMMANDS:
        path = REPO / "hooks" / name
        assert path.read_text(encoding="utf-8") == shims.shim(name)
        assert os.access(path, os.X_OK)


def test_install_keeps_the_users_hook_running_first_and_uninstall_restores_it(
    red: Project, piv_env: dict[str, str]
) -> None:
    hooks_dir = red.path / ".git" / "hooks"
    (hooks_dir / "commit-msg").write_text(USER_HOOK, encoding="utf-8")
    (hooks_dir / "commit-msg").chmod(0o755)
    code, out, _ = hook(red, "install", "--hook", "commit-msg")
    assert code == 0
    assert "piv hooks: commit-msg: installed; your hook is kept as commit-msg.piv-backup" in out
    assert (hooks_dir / "commit-msg.piv-backup").read_text(encoding="utf-8") == USER_HOOK

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-qm", message],
            cwd=red.path,
            env=piv_env,
            capture_output=True,
            text=True,
            check=False,
        )

    refused = commit("feat: discounts")
    assert refused.returncode == 1
    assert "the staged change was RED in run 2" in refused.stderr
    assert (red.path / "user-hook.log").read_text(encoding="utf-8") == "user-hook-ran\n"
    accepted = commit("test: discounts")
    assert accepted.returncode == 0, accepted.stderr
    assert git(red.path, "log", "-1", "--format=%s").strip() == "test: discounts"

    # a second install does not back piv's own shim up over the user's hook
    hook(red, "install", "--hook", "commit-msg")
    assert (hooks_dir / "commit-msg.piv-backup").read_text(encoding="utf-8") == USER_HOOK
    code, out, _ = hook(red, "uninstall")
    assert "piv hooks: commit-msg: removed; your hook is restored" in out
    assert (hooks_dir / "commit-msg").read_text(encoding="utf-8") == USER_HOOK
    assert not (hooks_dir / "pre-commit").exists()


def test_install_never_overwrites_a_backup(plain_project: Project) -> None:
    hooks_dir = plain_project.path / ".git" / "hooks"
    (hooks_dir / "pre-push").write_text(USER_HOOK, encoding="utf-8")
    (hooks_dir / "pre-push.piv-backup").write_text("older\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--root", str(plain_project.path), "hooks", "install"], standalone_mode=False
    )
    assert "a hook exists and pre-push.piv-backup too" in str(result.exception)
    assert (hooks_dir / "pre-push").read_text(encoding="utf-8") == USER_HOOK
    assert (hooks_dir / "pre-push.piv-backup").read_text(encoding="utf-8") == "older\n"


def test_the_pre_commit_shim_gates_and_validates_a_red_commit(
    red: Project, piv_env: dict[str, str]
) -> None:
    red.append(
        "pyproject.toml", '\n[tool.piv.validate.presets]\nstandard = ["ruff-check", "pytest"]\n'
    )
    git(red.path, "add", "-A")
    assert hook(red, "install")[0] == 0
    done = subprocess.run(
        ["git", "commit", "-m", "test: discounts"],
        cwd=red.path,
        env=piv_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # git shows a hook's output on stderr
    assert "piv-rgr: backed by run 2 (RED)" in done.stderr
    assert "  pytest      pass" in done.stderr
    assert "(piv: RED — 1 test fails as expected" in done.stderr
    assert git(red.path, "log", "-1", "--format=%s").strip() == "test: discounts"
