"""The piv CLI over a store written by real `pytest --piv` runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pytest_piv.cli import cli, main
from tests.conftest import Project

NEW = "\n\ndef test_new():\n    assert subtotal([5]) == 6\n"


def invoke(project: Project, *args: str) -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(cli, ["--root", str(project.path), *args], standalone_mode=False)
    output = result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return int(result.return_value or 0), output


@pytest.fixture
def red_project(plain_project: Project) -> Project:
    plain_project.run()
    plain_project.append("tests/test_cart.py", NEW)
    plain_project.run()
    return plain_project


def test_status_shows_the_phase_and_the_pending_reds(red_project: Project) -> None:
    code, out = invoke(red_project, "status")
    assert code == 0
    assert out.splitlines()[0].startswith("piv: RED — 1 test fails as expected")
    assert "  tests/test_cart.py::test_new  [assertion]" in out


def test_status_json_is_machine_readable(red_project: Project) -> None:
    _, out = invoke(red_project, "status", "--json")
    data = json.loads(out)
    assert data["phase"] == "RED"
    assert data["pending_reds"] == [
        {"nodeid": "tests/test_cart.py::test_new", "red_kind": "assertion"}
    ]


def test_log_lists_runs_newest_first(red_project: Project) -> None:
    _, out = invoke(red_project, "log")
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("run    2")
    assert lines[0].endswith("RED")
    assert lines[1].endswith("ADOPTED")
    data = json.loads(invoke(red_project, "log", "--json")[1])
    assert [run["phase"] for run in data] == ["RED", "ADOPTED"]


def test_explain_shows_one_tests_history_across_runs(red_project: Project) -> None:
    red_project.write(
        "src/shop/cart.py", "def subtotal(prices):\n    return sum(prices) + (prices == [5])\n"
    )
    red_project.run()
    _, out = invoke(red_project, "rgr", "explain", "tests/test_cart.py::test_new")
    lines = out.splitlines()
    assert lines[0] == "tests/test_cart.py::test_new"
    assert "failed   red" in lines[1]
    assert "assertion: AssertionError: assert 5 == 6 at tests/test_cart.py:" in lines[1]
    assert "passed   green" in lines[2]
    assert "proven: red" in lines[3]


def test_explain_of_an_unknown_test_is_a_usage_error(
    red_project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(red_project.path)
    assert main(["rgr", "explain", "tests/test_nope.py::test_x"]) == 2
    assert capsys.readouterr().err == (
        "piv: error: tests/test_nope.py::test_x: no recorded run of this test (check the node id)\n"
    )


def test_accept_lets_a_never_red_test_pass_and_keeps_the_reason(plain_project: Project) -> None:
    plain_project.run()
    plain_project.append(
        "tests/test_cart.py", "\n\ndef test_pinned():\n    assert subtotal([]) == 0\n"
    )
    assert plain_project.run().ret == 1
    code, out = invoke(
        plain_project,
        "rgr",
        "accept",
        "tests/test_cart.py::test_pinned",
        "--reason",
        "ported from the old suite",
    )
    assert code == 0
    assert out.startswith("piv: accepted tests/test_cart.py::test_pinned version ")
    assert plain_project.run().ret == 0
    _, explained = invoke(plain_project, "rgr", "explain", "tests/test_cart.py::test_pinned")
    assert "proven: accepted (ported from the old suite)" in explained


def test_state_reset_keeps_a_backup_and_the_next_run_adopts_again(red_project: Project) -> None:
    code, out = invoke(red_project, "state", "reset")
    assert code == 0
    assert "piv: moved" in out
    backups = list((red_project.path / ".piv").glob("piv.db.bak-*"))
    assert len([b for b in backups if not b.name.endswith(("-wal", "-shm"))]) == 1
    red_project.run().stdout.fnmatch_lines(["piv: ADOPTED*"])


def test_config_show_prints_each_value_and_where_it_came_from(
    plain_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_project.append("pyproject.toml", '\n[tool.piv.rgr]\npolicy = "strict"\n')
    monkeypatch.setenv("PIV_RGR_MODE", "warn")
    _, out = invoke(plain_project, "config", "show")
    assert any(
        line.startswith("rgr.policy") and line.endswith("(pyproject.toml)")
        for line in out.splitlines()
    )
    assert any(
        line.startswith("rgr.mode") and line.endswith("(env PIV_RGR_MODE)")
        for line in out.splitlines()
    )
    data = json.loads(invoke(plain_project, "config", "show", "--json")[1])
    assert data["rgr.policy"] == {"value": "strict", "origin": "pyproject.toml"}


def test_a_bad_config_is_exit_code_2_with_one_line(
    plain_project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_project.append("pyproject.toml", '\n[tool.piv.rgr]\nmode = "maybe"\n')
    monkeypatch.chdir(plain_project.path)
    assert main(["config", "show"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("piv: error: [tool.piv.rgr] mode = 'maybe' (pyproject.toml)")


def test_status_without_a_store_says_to_run_pytest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["status"]) == 2
    assert "no piv store yet (hint: run `pytest --piv` first)" in capsys.readouterr().err


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "No such command 'frobnicate'" in capsys.readouterr().err


def test_a_command_imports_only_its_own_module_of_the_cli(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.piv]\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from pytest_piv.cli import main\n"
        f"code = main(['--root', {str(tmp_path)!r}, 'config', 'show'])\n"
        "print(code, ' '.join(sorted(m for m in sys.modules if m.startswith('pytest_piv.cli.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.splitlines()[-1] == "0 pytest_piv.cli.config_cmd pytest_piv.cli.context"
