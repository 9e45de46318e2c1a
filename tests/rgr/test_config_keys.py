"""Acceptance: every [tool.piv] key set through pyproject.toml changes what a run does."""

from __future__ import annotations

import pytest

from tests.conftest import PYPROJECT, Project


def configure(project: Project, body: str) -> None:
    project.write("pyproject.toml", PYPROJECT + "\n[tool.piv]\n" + body)


def test_rgr_mode_warn_from_pyproject_reports_without_failing(project: Project) -> None:
    configure(project, '[tool.piv.rgr]\nmode = "warn"\n')
    project.run()
    project.append("tests/test_cart.py", "\n\ndef test_new():\n    assert True\n")
    result = project.run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["piv: rgr warn, policy standard*", "*warning (mode warn)*"])


def test_rgr_mode_off_from_pyproject_records_nothing(project: Project) -> None:
    configure(project, '[tool.piv.rgr]\nmode = "off"\n')
    result = project.run()
    assert result.ret == 0
    assert "piv: rgr" not in result.stdout.str()
    assert not (project.path / ".piv").exists()


def test_rgr_policy_strict_from_pyproject_refuses_an_import_error_red(project: Project) -> None:
    configure(project, '[tool.piv.rgr]\npolicy = "strict"\n')
    project.run()
    project.append("tests/test_cart.py", "\n\ndef test_new():\n    from shop.cart import nope\n")
    project.run()
    assert project.last_run()["tests/test_cart.py::test_new"] == ("wrong-red", "missing-symbol")


def test_db_from_pyproject_moves_the_store(project: Project) -> None:
    configure(project, 'db = "state/evidence.sqlite"\n')
    project.run()
    assert (project.path / "state" / "evidence.sqlite").is_file()
    assert not (project.path / ".piv").exists()


def test_piv_db_environment_variable_moves_the_store(
    plain_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = plain_project
    monkeypatch.setenv("PIV_DB", str(project.path / "elsewhere.db"))
    project.run()
    assert (project.path / "elsewhere.db").is_file()


def test_tests_and_source_globs_from_pyproject_decide_what_is_judged(project: Project) -> None:
    configure(project, 'tests = ["checks/**/*.py"]\nsource = ["src/**/*.py"]\n')
    project.write(
        "pyproject.toml",
        (project.path / "pyproject.toml").read_text().replace('"tests"]', '"checks"]'),
    )
    project.write("checks/check_cart.py", "def test_c():\n    assert 1\n")
    project.write("checks/conftest.py", "")
    project.write(
        "pyproject.toml",
        (project.path / "pyproject.toml")
        .read_text()
        .replace("[tool.piv]", 'python_files = ["check_*.py"]\n\n[tool.piv]'),
    )
    project.run()
    project.append("src/shop/cart.py", "\n\ndef extra():\n    return 1\n")
    result = project.run()
    result.stdout.fnmatch_lines(["piv: REFACTOR — 1 source file changed*"])


def test_exclude_from_pyproject_keeps_generated_files_out_of_the_tree_state(
    project: Project,
) -> None:
    configure(project, 'exclude = ["src/shop/generated.py"]\n')
    project.run()
    project.write("src/shop/generated.py", "VALUE = 1\n")
    result = project.run()
    result.stdout.fnmatch_lines(["piv: UNCHANGED*"])


def test_a_bad_config_value_is_a_usage_error_naming_the_key(project: Project) -> None:
    configure(project, '[tool.piv.rgr]\npolicy = "yolo"\n')
    result = project.run()
    assert result.ret == 4
    assert (
        "ERROR: piv: [tool.piv.rgr] policy = 'yolo' (pyproject.toml): expected one of "
        '"strict", "standard", "lenient"'
    ) in result.stderr.lines
    assert "Traceback" not in result.stderr.str()


def test_an_unknown_key_is_a_usage_error(plain_project: Project) -> None:
    configure(plain_project, "colour = true\n")
    result = plain_project.run()
    assert result.ret == 4
    assert "ERROR: piv: [tool.piv] colour = True (pyproject.toml)" in result.stderr.str()


def test_help_lists_every_piv_option(plain_project: Project) -> None:
    result = plain_project.pytester.runpytest_subprocess("--help")
    for flag in (
        "--piv ",
        "--piv-db",
        "--piv-rgr-mode",
        "--piv-rgr-policy",
        "--piv-tests",
        "--piv-source",
    ):
        assert flag in result.stdout.str(), flag


def test_quiet_mode_keeps_the_phase_line_and_drops_the_next_step(project: Project) -> None:
    project.run()
    project.write("src/shop/cart.py", "def subtotal(prices):\n    return 0\n")
    quiet = project.run("-q")
    quiet.stdout.fnmatch_lines(["piv: REGRESSION*"])
    assert "  next:" not in quiet.stdout.str()
    verbose = project.run("-v")
    verbose.stdout.fnmatch_lines(
        ["  next: *", "  regression       tests/test_cart.py::test_subtotal"]
    )


def test_a_run_without_piv_imports_nothing_of_pytest_piv_beyond_its_entry_point(
    plain_project: Project,
) -> None:
    project = plain_project
    project.write(
        "conftest.py",
        "import sys\n\n\n"
        "def pytest_sessionfinish(session):\n"
        "    names = sorted(m for m in sys.modules if m.startswith('pytest_piv'))\n"
        "    open('piv-modules.txt', 'w').write(' '.join(names))\n",
    )
    result = project.pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == 0
    loaded = (project.path / "piv-modules.txt").read_text().split()
    assert loaded == ["pytest_piv", "pytest_piv.plugin"]
    assert not (project.path / ".piv").exists()


def test_rgr_cache_false_from_pyproject_runs_without_the_cache_files(project: Project) -> None:
    configure(project, "[tool.piv.rgr]\ncache = false\n")
    project.run()
    project.append("tests/test_cart.py", "\n\ndef test_new():\n    assert True\n")
    result = project.run()
    assert result.ret == 1  # judged as always: a new test passing at once is a violation
    assert project.last_run()["tests/test_cart.py::test_new"][0] == "never-red"
    assert (project.path / ".piv" / "piv.db").is_file()
    assert not (project.path / ".piv" / "piv.db-snapshot").exists()
    assert not (project.path / ".piv" / "piv.db-listing").exists()


def test_the_caches_are_on_by_default(project: Project) -> None:
    project.run()
    assert (project.path / ".piv" / "piv.db-snapshot").is_file()
    assert (project.path / ".piv" / "piv.db-listing").is_file()
