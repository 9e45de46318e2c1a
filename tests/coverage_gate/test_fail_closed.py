"""Nothing judged is an error naming the cause, never a pass; coverage warnings never crash.

Each case is one that passed the gate (or crashed the run) before: real coverage data,
real ``pytest --piv`` runs, real git repositories.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import coverage
import pytest

from pytest_piv.cli import main
from tests.coverage_gate.project import ShopProject

pytestmark = pytest.mark.slow

XDIST = pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])


def piv(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str]:
    code = main(["--root", str(root), "coverage", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def committed(root: Path) -> Path:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "shop")
    return root


def measured_shop(pytester: pytest.Pytester, shop: ShopProject, toml: str) -> Path:
    root = committed(shop(toml))
    result = pytester.runpytest_subprocess("--piv", "-p", "no:cacheprovider")
    assert (root / ".coverage").is_file(), result.stdout.str()
    return root


# -- piv coverage check ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["zero bytes", "no measured file"])
def test_check_of_an_empty_data_file_is_an_error_not_a_pass(
    shop: ShopProject, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    root = committed(shop("[tool.piv.coverage]\nfail_under = 80\n"))
    data = root / ".coverage"
    if kind == "zero bytes":
        data.write_bytes(b"")
    else:
        empty = coverage.CoverageData(basename=str(data))
        empty.add_lines({})
        empty.write()
    code, out = piv(capsys, root, "check")
    assert code == 2, out
    assert "holds no measured file" in out
    assert ".coverage" in out
    assert "passed" not in out


def test_check_of_a_missing_data_file_names_it(
    shop: ShopProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = committed(shop("[tool.piv.coverage]\nfail_under = 80\n"))
    code, out = piv(capsys, root, "check")
    assert code == 2
    assert "no coverage data file here" in out
    code, out = piv(capsys, root, "check", "gone.cov")
    assert code == 2
    assert "gone.cov does not exist" in out


def test_data_from_another_checkout_without_remap_is_an_error_naming_remap(
    pytester: pytest.Pytester, shop: ShopProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = committed(shop("[tool.piv.coverage]\nfail_under = 10\n"))
    elsewhere = root.parent / f"{root.name}-elsewhere"
    shutil.copytree(root, elsewhere)
    subprocess.run(
        [sys.executable, "-m", "pytest", "--piv", "-q", "-p", "no:cacheprovider"],
        cwd=elsewhere,
        check=False,
        capture_output=True,
    )
    shutil.copy(elsewhere / ".coverage", root / "shard.cov")
    code, out = piv(capsys, root, "check", "shard.cov")
    assert code == 2, out
    assert "none of the 4 measured files is inside" in out
    assert "--remap" in out
    code, out = piv(capsys, root, "check", "shard.cov", "--remap", f"src/={elsewhere}/src/")
    assert code == 0, out


def test_a_measured_file_deleted_since_is_an_error_naming_it(
    pytester: pytest.Pytester, shop: ShopProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = measured_shop(pytester, shop, "[tool.piv.coverage]\nfail_under = 10\n")
    (root / "src" / "shop" / "db.py").unlink()
    code, out = piv(capsys, root, "check")
    assert code == 2, out
    assert "src/shop/db.py" in out
    assert "cannot be judged" in out


def test_data_with_no_source_file_of_the_project_is_an_error_naming_the_source_globs(
    pytester: pytest.Pytester, shop: ShopProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = measured_shop(pytester, shop, "[tool.piv.coverage]\nfail_under = 10\n")
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(
        text.replace("[tool.piv.rgr]", '[tool.piv]\nsource = ["lib/**"]\n\n[tool.piv.rgr]')
    )
    code, out = piv(capsys, root, "check")
    assert code == 2, out
    assert "none of the 4 measured files is a source file" in out
    assert "[tool.piv] source" in out


# -- pytest --piv ---------------------------------------------------------------------


@XDIST
def test_a_run_that_measures_no_source_file_is_a_usage_error_not_a_pass(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str]
) -> None:
    root = committed(shop("[tool.piv.coverage]\nfail_under = 80\n"))
    for test in (root / "tests").glob("test_*.py"):
        test.unlink()
    (root / "tests" / "test_alone.py").write_text("def test_alone():\n    assert True\n")
    result = pytester.runpytest_subprocess("--piv", "-p", "no:cacheprovider", *xdist)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["piv: coverage gate error: the coverage data holds no measured file*"]
    )


@XDIST
def test_source_pkgs_with_warnings_as_errors_is_measured_without_a_warning(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str]
) -> None:
    committed(
        shop('[tool.piv.coverage]\nfail_under = 64\n[tool.coverage.run]\nsource_pkgs = ["shop"]\n')
    )
    ini = pytester.path / "pyproject.toml"
    ini.write_text(
        ini.read_text().replace(
            'testpaths = ["tests"]', 'testpaths = ["tests"]\nfilterwarnings = ["error"]'
        )
    )
    result = pytester.runpytest_subprocess("--piv", "-p", "no:cacheprovider", *xdist)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*(default)*4*14*5*64.28*ok"])
    assert "CoverageWarning" not in result.stdout.str() + result.stderr.str()


@XDIST
def test_a_coverage_warning_is_a_note_in_the_report_never_a_crash(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str]
) -> None:
    committed(
        shop(
            "[tool.piv.coverage]\nfail_under = 64\n[tool.coverage.run]\n"
            'source_pkgs = ["shop", "nowhere"]\n'
        )
    )
    ini = pytester.path / "pyproject.toml"
    ini.write_text(
        ini.read_text().replace(
            'testpaths = ["tests"]', 'testpaths = ["tests"]\nfilterwarnings = ["error"]'
        )
    )
    result = pytester.runpytest_subprocess("--piv", "-p", "no:cacheprovider", *xdist)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["note: coverage.py warned: Module nowhere was never imported*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


# -- diff coverage --------------------------------------------------------------------

LATIN1 = '# -*- coding: latin-1 -*-\nNAME = "caf\xe9"\n\n\ndef shout():\n    return NAME.upper()\n'


def test_an_untracked_non_utf8_source_file_counts_in_diff_coverage(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    root = committed(shop("[tool.piv.coverage]\nfail_under = 0\ndiff_fail_under = 100\n"))
    (root / "src" / "shop" / "legacy.py").write_bytes(LATIN1.encode("latin-1"))
    (root / "tests" / "test_legacy.py").write_text(
        "from shop.legacy import NAME\n\ndef test_name():\n    assert NAME\n"
    )
    result = pytester.runpytest_subprocess(
        "--piv", "-p", "no:cacheprovider", "--piv-diff-base=HEAD"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(["*src/shop/legacy.py: not run: 6*"])


def test_an_untracked_module_nothing_imports_counts_as_not_run_in_diff_coverage(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    root = committed(shop("[tool.piv.coverage]\nfail_under = 0\ndiff_fail_under = 50\n"))
    (root / "src" / "shop" / "orphan.py").write_text("def lonely():\n    return 1\n")
    result = pytester.runpytest_subprocess(
        "--piv", "-p", "no:cacheprovider", "--piv-diff-base=HEAD"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(["*src/shop/orphan.py: not run: 1-2*"])
