"""``pytest --piv`` gates import time when ``import_modules`` is configured (real
``python -X importtime`` in fresh processes, in pytester projects)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_piv.profiling.imports import judge
from tests.profile.conftest import ProfProject
from tests.profile.test_imports import _package

XDIST = pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["no-xdist", "xdist"])


def _budget(project: ProfProject, limit: str) -> None:
    project.configure(
        f'import_modules = ["slowpkg"]\nmax_import_time = "{limit}"\nimport_runs = 2\n'
        '\n[tool.piv.rgr]\nmode = "off"\n'
    )


@pytest.mark.slow
@XDIST
def test_an_import_within_its_budget_passes_the_run_and_is_shown(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    _package(prof_project.path, 0.0)
    _budget(prof_project, "2 s")
    result = prof_project.run("--piv", "-k", "light", *xdist)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["*piv import time*", "piv: import slowpkg took *, within its budget 2.00 s"]
    )
    (row,) = prof_project.report()["imports"]
    assert (row["module"], row["verdict"], len(row["runs"])) == ("slowpkg", "ok", 2)


@pytest.mark.slow
@XDIST
def test_an_import_over_its_budget_fails_the_run_after_a_re_measurement_and_names_the_slow_module(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    _package(prof_project.path, 0.15)
    _budget(prof_project, "100 ms")
    result = prof_project.run("--piv", "-k", "light", *xdist)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "piv: import slowpkg took * (re-measured in fresh processes: *),"
            " over the budget 100.0 ms (most of it: slowpkg.heavy *",
        ]
    )
    (row,) = prof_project.report()["imports"]
    assert row["verdict"] == "failed"
    assert row["remeasured"] >= 0.15
    assert row["top"][0]["module"] == "slowpkg.heavy"
    assert prof_project.query("SELECT module, passed FROM import_times") == [("slowpkg", 0)]


@pytest.mark.slow
def test_the_import_verdicts_reach_the_json_and_markdown_reports(prof_project: ProfProject) -> None:
    _package(prof_project.path, 0.15)
    _budget(prof_project, "100 ms")
    prof_project.run("--piv", "-k", "light")
    shown = {
        flag: subprocess.run(
            [sys.executable, "-m", "pytest_piv", "profile", "show", flag],
            cwd=prof_project.path,
            capture_output=True,
            text=True,
            check=False,
        )
        for flag in ("--json", "--markdown")
    }
    assert json.loads(shown["--json"].stdout)["imports"][0]["verdict"] == "failed"
    assert "| import slowpkg took " in shown["--markdown"].stdout
    assert "| **failed** |" in shown["--markdown"].stdout


def test_without_import_modules_no_import_is_timed(prof_project: ProfProject) -> None:
    prof_project.configure('max_import_time = "1 ms"\n\n[tool.piv.rgr]\nmode = "off"\n')
    result = prof_project.run("--piv", "-k", "light")
    assert result.ret == pytest.ExitCode.OK
    assert "piv import time" not in result.stdout.str()


@pytest.mark.slow
def test_an_import_over_its_budget_once_only_passes_after_its_re_measurement(
    tmp_path: Path,
) -> None:
    _package(tmp_path, 0.0)
    (tmp_path / "slowpkg" / "heavy.py").write_text(
        "import pathlib\nimport time\n\n"
        "seen = pathlib.Path(__file__).with_name('seen')\n"
        "count = int(seen.read_text()) if seen.exists() else 0\n"
        "seen.write_text(str(count + 1))\n"
        "if count < 2:  # the first measurement's two processes only\n"
        "    time.sleep(0.3)\n",
        encoding="utf-8",
    )
    check = judge(
        "slowpkg",
        limit=0.2,
        baseline=None,
        tolerance=0.25,
        runs=2,
        remeasure=True,
        python=sys.executable,
        cwd=tmp_path,
    )
    assert check.verdict == "flaky"
    assert not check.failed
    assert check.measured.seconds >= 0.3
    assert check.remeasured is not None
    assert check.remeasured.seconds < 0.2
    assert check.message().endswith("was over the budget 200.0 ms once only; not failed")


@pytest.mark.slow
def test_without_remeasure_the_first_time_over_is_the_verdict(tmp_path: Path) -> None:
    _package(tmp_path, 0.25)
    check = judge(
        "slowpkg",
        limit=0.1,
        baseline=None,
        tolerance=0.25,
        runs=1,
        remeasure=False,
        python=sys.executable,
        cwd=tmp_path,
    )
    assert (check.verdict, check.remeasured) == ("over", None)


def test_a_module_that_cannot_be_imported_fails_the_run_in_one_line(
    prof_project: ProfProject,
) -> None:
    prof_project.configure(
        'import_modules = ["no_such_module_here"]\nimport_runs = 1\n'
        '\n[tool.piv.rgr]\nmode = "off"\n'
    )
    result = prof_project.run("--piv", "-k", "light")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["piv: import no_such_module_here failed: ModuleNotFoundError: *no_such_module_here*"]
    )


def test_a_collect_only_run_times_no_import(prof_project: ProfProject) -> None:
    _package(prof_project.path, 0.15)
    _budget(prof_project, "100 ms")
    result = prof_project.run("--piv", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    assert "piv import time" not in result.stdout.str()
