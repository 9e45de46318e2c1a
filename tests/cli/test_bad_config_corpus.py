"""The bad-config corpus: every bad value, from pyproject.toml, the environment or a flag,
is a one-line usage error naming the key, through real `pytest --piv` and real `piv`
processes: never a traceback, never an INTERNALERROR, never a hang."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import PYPROJECT

TIMEOUT = 60
BAD_PYPROJECT = [
    ("reversed-range-in-tests", '[tool.piv]\ntests = ["[z-a]"]\n', "tests"),
    ("reversed-range-in-source", '[tool.piv]\nsource = ["src/[z-a]/*.py"]\n', "source"),
    ("reversed-range-in-exclude", '[tool.piv]\nexclude = ["[z-a]"]\n', "exclude"),
    ("reversed-range-in-rule", '[[tool.piv.coverage.rule]]\npath = "[z-a]"\nmin = 1\n', "path"),
    ("nul-in-db", '[tool.piv]\ndb = "a\\u0000b.db"\n', "db"),
    ("escape-in-db", '[tool.piv]\ndb = "a\\u001b[2J.db"\n', "db"),
    ("db-escapes-with-dotdot", '[tool.piv]\ndb = "../../outside.db"\n', "db"),
    ("db-absolute-outside", '[tool.piv]\ndb = "/tmp/piv-outside.db"\n', "db"),
    ("json-report-outside", '[tool.piv.coverage]\nfail_under = 1\njson = "../x.json"\n', "json"),
    (
        "markdown-report-outside",
        '[tool.piv.coverage]\nfail_under = 1\nmarkdown = "/tmp/x.md"\n',
        "markdown",
    ),
    (
        "baseline-outside",
        '[tool.piv.coverage]\nratchet = true\nbaseline = "../b.json"\n',
        "baseline",
    ),
    ("nul-in-baseline", '[tool.piv.coverage]\nbaseline = "b\\u0000.json"\n', "baseline"),
    ("fail-under-nan", "[tool.piv.coverage]\nfail_under = nan\n", "fail_under"),
    ("fail-under-inf", "[tool.piv.coverage]\nfail_under = inf\n", "fail_under"),
    ("fail-under-negative", "[tool.piv.coverage]\nfail_under = -1\n", "fail_under"),
    ("fail-under-huge", "[tool.piv.coverage]\nfail_under = 1e308\n", "fail_under"),
    ("diff-base-is-an-option", '[tool.piv.coverage]\ndiff_base = "--output=x"\n', "diff_base"),
    ("nul-in-diff-base", '[tool.piv.coverage]\ndiff_base = "main\\u0000"\n', "diff_base"),
    ("bench-machine-escape", '[tool.piv.bench]\nmachine = "m\\u001b]0;t\\u0007"\n', "machine"),
    ("bench-pairs-huge", "[tool.piv.bench]\npairs = 99999999999999999\n", "pairs"),
    ("bench-alpha-nan", "[tool.piv.bench]\nalpha = nan\n", "alpha"),
    ("bench-threshold-huge", '[tool.piv.bench]\nthreshold = "1e999%"\n', "threshold"),
    ("rgr-mode-nul", '[tool.piv.rgr]\nmode = "warn\\u0000"\n', "mode"),
    ("unknown-key", "[tool.piv]\ndbb = 1\n", "dbb"),
    ("paths-reversed-range", '[tool.piv.coverage.paths]\nsrc = ["[z-a]/src/"]\n', "paths"),
]
BAD_ENV = [
    ("fail-under-1e999999999", {"PIV_COV_FAIL_UNDER": "1e999999999"}, "PIV_COV_FAIL_UNDER"),
    ("fail-under-1e-999999999", {"PIV_COV_FAIL_UNDER": "1e-999999999"}, "PIV_COV_FAIL_UNDER"),
    ("fail-under-long-fraction", {"PIV_COV_FAIL_UNDER": "1/" + "9" * 5000}, "PIV_COV_FAIL_UNDER"),
    ("fail-under-nan", {"PIV_COV_FAIL_UNDER": "nan"}, "PIV_COV_FAIL_UNDER"),
    ("fail-under-minus-inf", {"PIV_COV_FAIL_UNDER": "-inf"}, "PIV_COV_FAIL_UNDER"),
    ("diff-fail-under-101", {"PIV_DIFF_FAIL_UNDER": "101"}, "PIV_DIFF_FAIL_UNDER"),
    ("diff-base-option", {"PIV_DIFF_BASE": "-c"}, "PIV_DIFF_BASE"),
    ("tests-reversed-range", {"PIV_TESTS": "[z-a]"}, "PIV_TESTS"),
    ("source-reversed-range", {"PIV_SOURCE": "src/[9-0].py"}, "PIV_SOURCE"),
    ("exclude-reversed-range", {"PIV_EXCLUDE": "[b-a]"}, "PIV_EXCLUDE"),
    ("db-escape", {"PIV_DB": "x\x1b[2J.db"}, "PIV_DB"),
    ("bench-threshold-nan", {"PIV_BENCH_THRESHOLD": "nan%"}, "PIV_BENCH_THRESHOLD"),
    ("rgr-mode-bogus", {"PIV_RGR_MODE": "bogus"}, "PIV_RGR_MODE"),
]
BAD_PYTEST_FLAGS = [
    ("cov-fail-under-1e999999999", ["--piv-cov-fail-under=1e999999999"], "--piv-cov-fail-under"),
    ("cov-fail-under-nan", ["--piv-cov-fail-under=nan"], "--piv-cov-fail-under"),
    ("diff-fail-under-negative", ["--piv-diff-fail-under=-0.5"], "--piv-diff-fail-under"),
    ("db-outside", ["--piv-db=../../outside.db"], "--piv-db"),
    ("source-reversed-range", ["--piv-source=[z-a]"], "--piv-source"),
    ("tests-reversed-range", ["--piv-tests=tests/[z-a]*.py"], "--piv-tests"),
    ("diff-base-option", ["--piv-diff-base=--output=x"], "--piv-diff-base"),
    ("bench-threshold-negative", ["--piv-bench-threshold=-5%"], "--piv-bench-threshold"),
]
BAD_CLI = [
    ("log-limit-huge", ["log", "-n", "99999999999999999999"], "-n"),
    ("log-limit-zero", ["log", "-n", "0"], "-n"),
    ("check-fail-under-1e999999999", ["coverage", "check", "--fail-under", "1e999999999"], "fail"),
    ("check-fail-under-inf", ["coverage", "check", "--fail-under", "inf"], "fail"),
    ("check-fail-under-negative", ["coverage", "check", "--fail-under=-3"], "fail"),
    ("check-diff-fail-under-nan", ["coverage", "check", "--diff-fail-under", "nan"], "diff"),
    ("check-diff-base-option", ["coverage", "check", "--diff-base=-p", "--fail-under=1"], "diff"),
    ("accept-empty-reason", ["rgr", "accept", "tests/t.py::t", "--reason", ""], "--reason"),
    ("accept-blank-reason", ["rgr", "accept", "tests/t.py::t", "--reason", " \t "], "--reason"),
    (
        "accept-multiline-reason",
        ["rgr", "accept", "tests/t.py::t", "--reason", "ok\npiv: GREEN"],
        "--reason",
    ),
    (
        "baseline-blank-reason",
        ["coverage", "baseline", "--allow-lower", "--reason", "  "],
        "--reason",
    ),
    ("export-missing-dir", ["bench", "export", "/nonexistent/dir/x.json"], "/nonexistent/dir"),
    ("show-run-huge", ["bench", "show", "--run", "99999999999999999999"], "--run"),
    ("save-run-huge", ["bench", "baseline", "save", "--run", "99999999999999999999"], "--run"),
    ("save-last-zero", ["bench", "baseline", "save", "--last", "0"], "--last"),
    ("history-limit-huge", ["bench", "history", "x", "--limit", "99999999999999999999"], "--limit"),
    ("ab-pairs-one", ["bench", "ab", "--base", "main", "--pairs", "1"], "--pairs"),
    ("ab-base-option", ["bench", "ab", "--base", "--output=x"], "--base"),
    ("import-missing-file", ["bench", "import", "/nonexistent/x.json"], "/nonexistent/x.json"),
    ("machine-escape", ["bench", "import", "--machine", "a\x1bb", "/dev/null"], "--machine"),
    (
        "remap-reversed-range",
        ["coverage", "check", "--fail-under=1", "--remap", "s/=[z-a]/"],
        "--remap",
    ),
    ("remap-empty", ["coverage", "check", "--fail-under=1", "--remap", "="], "--remap"),
]


class Ran(NamedTuple):
    code: int
    out: str
    err: str


def run(cwd: Path, argv: list[str], env: dict[str, str]) -> Ran:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PIV_")}
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env={**clean, **env},
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: {argv} ran longer than {TIMEOUT}s")
    return Ran(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src" / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "src" / "shop" / "__init__.py").write_text("", encoding="utf-8")
    (root / "tests" / "test_shop.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")
    return root


def configure(root: Path, body: str) -> None:
    (root / "pyproject.toml").write_text(PYPROJECT + body, encoding="utf-8")


def pytest_piv(root: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    argv = [sys.executable, "-m", "pytest", "--piv", "-p", "no:cacheprovider", *args]
    return run(root, argv, env or {})


def piv(root: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    return run(root, [sys.executable, "-m", "pytest_piv", *args], env or {})


def assert_usage_error(ran: Ran, code: int, key: str) -> None:
    text = ran.out + ran.err
    assert "Traceback" not in text
    assert "INTERNALERROR" not in text
    assert ran.code == code, text
    lines = [line for line in text.splitlines() if key in line and "error" in line.lower()]
    assert lines, f"no error line names {key!r}:\n{text}"
    assert all(ch.isprintable() for ch in lines[0]), lines[0]


@pytest.mark.parametrize(
    ("body", "key"), [c[1:] for c in BAD_PYPROJECT], ids=[c[0] for c in BAD_PYPROJECT]
)
def test_a_bad_pyproject_value_is_a_pytest_usage_error_naming_the_key(
    project: Path, body: str, key: str
) -> None:
    configure(project, body)
    assert_usage_error(pytest_piv(project), 4, key)


@pytest.mark.parametrize(
    ("body", "key"), [c[1:] for c in BAD_PYPROJECT], ids=[c[0] for c in BAD_PYPROJECT]
)
def test_a_bad_pyproject_value_is_a_piv_usage_error_naming_the_key(
    project: Path, body: str, key: str
) -> None:
    configure(project, body)
    assert_usage_error(piv(project, "config", "show"), 2, key)


@pytest.mark.parametrize(("env", "key"), [c[1:] for c in BAD_ENV], ids=[c[0] for c in BAD_ENV])
def test_a_bad_environment_value_is_a_usage_error_naming_the_variable(
    project: Path, env: dict[str, str], key: str
) -> None:
    assert_usage_error(pytest_piv(project, env=env), 4, key)
    assert_usage_error(piv(project, "config", "show", env=env), 2, key)


@pytest.mark.parametrize(
    ("args", "flag"), [c[1:] for c in BAD_PYTEST_FLAGS], ids=[c[0] for c in BAD_PYTEST_FLAGS]
)
def test_a_bad_pytest_flag_is_a_usage_error_naming_the_flag(
    project: Path, args: list[str], flag: str
) -> None:
    assert_usage_error(pytest_piv(project, *args), 4, flag)


@pytest.mark.parametrize(("args", "what"), [c[1:] for c in BAD_CLI], ids=[c[0] for c in BAD_CLI])
def test_a_bad_piv_argument_is_a_usage_error_naming_it(
    project: Path, args: list[str], what: str
) -> None:
    assert_usage_error(piv(project, *args), 2, what)


def test_a_mistyped_piv_variable_warns_with_the_closest_key(project: Path) -> None:
    env = {"PIV_RGR_MOD": "warn"}
    ran = pytest_piv(project, env=env)
    assert ran.code == 0, ran.out + ran.err
    assert "PIV_RGR_MOD" in ran.out
    assert "did you mean PIV_RGR_MODE" in ran.out
    shown = piv(project, "config", "show", env=env)
    assert shown.code == 0
    assert shown.err.splitlines() == [
        "piv: warning: PIV_RGR_MOD is not a pytest-piv setting (did you mean PIV_RGR_MODE?)"
    ]


def test_a_known_piv_variable_gives_no_warning(project: Path) -> None:
    shown = piv(project, "config", "show", env={"PIV_RGR_MODE": "warn"})
    assert shown.code == 0
    assert shown.err == ""


def test_the_environment_may_put_the_store_outside_the_project(
    project: Path, tmp_path: Path
) -> None:
    store = tmp_path / "scratch" / "piv.db"
    ran = pytest_piv(project, env={"PIV_DB": str(store)})
    assert ran.code == 0, ran.out + ran.err
    assert store.is_file()


def test_a_symlinked_store_directory_leading_out_of_the_project_is_refused(
    project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (project / ".piv").symlink_to(outside, target_is_directory=True)
    assert_usage_error(pytest_piv(project), 4, "db")
    assert list(outside.iterdir()) == []


def test_state_reset_refuses_to_move_a_file_that_is_not_a_piv_store(
    project: Path, tmp_path: Path
) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    ran = piv(project, "state", "reset", env={"PIV_DB": str(precious)})
    assert_usage_error(ran, 2, str(precious))
    assert precious.read_text(encoding="utf-8") == "keep me\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("precious")] == ["precious.txt"]


def test_state_reset_refuses_another_programs_database_outside_the_project(
    project: Path, tmp_path: Path
) -> None:
    other = tmp_path / "places.sqlite"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE bookmarks (url TEXT)")
        conn.commit()
    content = other.read_bytes()
    ran = piv(project, "state", "reset", env={"PIV_DB": str(other)})
    assert_usage_error(ran, 2, str(other))
    assert other.read_bytes() == content


def test_state_reset_moves_aside_a_piv_store_that_piv_db_put_outside(
    project: Path, tmp_path: Path
) -> None:
    store = tmp_path / "scratch" / "piv.db"
    assert pytest_piv(project, env={"PIV_DB": str(store)}).code == 0
    ran = piv(project, "state", "reset", env={"PIV_DB": str(store)})
    assert ran.code == 0, ran.err
    assert not store.exists()
    backups = [
        p for p in store.parent.glob("piv.db.bak-*") if not p.name.endswith(("-wal", "-shm"))
    ]
    assert len(backups) == 1
