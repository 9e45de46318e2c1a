"""`piv doctor` names a planted problem of each kind it checks, with its fix."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from pytest_piv.cli import main
from pytest_piv.doctor import Context, Finding, diagnose


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    (root / ".gitignore").write_text(".piv/\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def _findings(root: Path, **kwargs: object) -> dict[str, Finding]:
    ctx = Context(root, os.environ, versions=False)._replace(**kwargs)  # type: ignore[arg-type]
    return {f.check: f for f in diagnose(ctx)}


def test_a_healthy_project_has_no_failure_and_doctor_exits_zero(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(project), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "ok   config: valid" in out
    assert "ok   git: a git work tree" in out
    assert "ok   pytest plugins: piv loads" in out
    assert "ok   gitignore: .piv/ is ignored" in out


def test_a_bad_configuration_value_is_a_failure_naming_the_key(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.piv.rgr]\nmode = "sometimes"\n', encoding="utf-8"
    )
    assert main(["--root", str(project), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL config:" in out
    assert "[tool.piv.rgr] mode = 'sometimes'" in out


def test_a_directory_outside_git_is_a_warning_with_git_init_as_the_fix(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    finding = _findings(tmp_path)["git"]
    assert (finding.status, finding.fix) == ("warn", "git init")


def test_a_missing_tool_is_named_with_how_to_install_it(project: Path) -> None:
    found = _findings(project, tools=(("no-such-tool-for-piv", "a test", True),))
    finding = found["tool no-such-tool-for-piv"]
    assert finding.status == "fail"
    assert "not installed (needed by a test)" in finding.detail


def test_pytest_options_that_turn_piv_off_are_a_warning(project: Path) -> None:
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p no:piv\n", encoding="utf-8")
    assert _findings(project)["pytest addopts"].status == "warn"


def test_a_pre_commit_config_without_installed_hooks_says_how_to_install_them(
    project: Path,
) -> None:
    (project / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    finding = _findings(project)["hooks"]
    assert finding.status == "warn"
    assert finding.fix == "pre-commit install --hook-type pre-commit --hook-type commit-msg"


def test_ptrace_disabled_by_yama_is_a_profiler_failure(project: Path, tmp_path: Path) -> None:
    scope = tmp_path / "ptrace_scope"
    scope.write_text("3\n", encoding="ascii")
    finding = _findings(project, ptrace_scope=scope)["profiler permissions"]
    assert finding.status == "fail"
    assert "ptrace_scope = 3" in finding.detail


def test_a_corrupt_store_is_a_failure_pointing_at_state_reset(project: Path) -> None:
    store = project / ".piv" / "piv.db"
    store.parent.mkdir()
    store.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    finding = _findings(project)["store"]
    assert finding.status == "fail"
    assert "piv state reset" in (finding.fix or "")


def test_a_store_from_a_newer_piv_is_a_failure_asking_for_an_upgrade(project: Path) -> None:
    store = project / ".piv" / "piv.db"
    store.parent.mkdir()
    with sqlite3.connect(store) as conn:
        conn.execute("PRAGMA user_version = 9999")
    store.chmod(0o600)
    finding = _findings(project)["store"]
    assert (finding.status, finding.fix) == ("fail", "upgrade pytest-piv")


def test_a_world_readable_store_is_a_warning(project: Path) -> None:
    store = project / ".piv" / "piv.db"
    store.parent.mkdir()
    sqlite3.connect(store).close()
    store.chmod(0o644)
    assert _findings(project)["store permissions"].status == "warn"


def test_a_store_directory_git_would_commit_is_a_warning(project: Path) -> None:
    (project / ".gitignore").write_text("", encoding="utf-8")
    finding = _findings(project)["gitignore"]
    assert finding.status == "warn"
    assert ".gitignore" in (finding.fix or "")
