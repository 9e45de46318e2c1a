from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pytest_piv.tools import ToolMissingError, run_tool


def test_a_tool_that_exits_nonzero_is_reported_with_its_output(tmp_path: Path) -> None:
    result = run_tool([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"], cwd=tmp_path)
    assert (result.returncode, result.stdout.strip(), result.ok) == (3, "out", False)


def test_a_tool_that_succeeds_is_ok() -> None:
    result = run_tool([sys.executable, "-c", "print('x')"], stdin="ignored")
    assert result.ok
    assert not result.timed_out


def test_a_tool_that_overruns_its_budget_is_killed_and_marked_timed_out() -> None:
    result = run_tool([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert result.timed_out
    assert not result.ok
    assert result.seconds < 20


def test_a_missing_tool_is_one_error_naming_it_and_how_to_install_it() -> None:
    with pytest.raises(ToolMissingError, match=r"^ruff-that-is-not-there is not installed"):
        run_tool(["ruff-that-is-not-there", "--version"])


def test_the_install_hint_names_pip_for_known_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    with pytest.raises(ToolMissingError, match=r"hint: pip install memray"):
        run_tool(["memray", "--version"])
