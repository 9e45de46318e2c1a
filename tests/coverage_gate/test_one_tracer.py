"""One tracer per run, whatever form pytest-cov's options take.

A conftest imports the code under test, so a second tracer started beside pytest-cov's
(which pauses it while the conftests import) shows as missing module-level lines.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import coverage
import pytest

from tests.coverage_gate.project import ShopProject

pytestmark = pytest.mark.slow

XDIST = pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
CONFTEST = "import shop.api.views\nimport shop.db\n"


def executed(root: Path) -> dict[str, list[int]]:
    """The lines each file inside ``root`` ran, from the run's ``.coverage``."""
    data = coverage.CoverageData(basename=str(root / ".coverage"))
    data.read()
    inside = root.resolve()
    out: dict[str, list[int]] = {}
    for name in data.measured_files():
        path = Path(name).resolve()
        if path.is_relative_to(inside):
            out[path.relative_to(inside).as_posix()] = sorted(data.lines(name) or ())
    return out


def shop_in_git(shop: ShopProject, toml: str = "[tool.piv.coverage]\nfail_under = 0\n") -> Path:
    root = shop(toml)
    (root / "conftest.py").write_text(CONFTEST)
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "shop"],
        cwd=root,
        check=True,
    )
    return root


def measured_by(pytester: pytest.Pytester, root: Path, *args: str) -> dict[str, list[int]]:
    (root / ".coverage").unlink(missing_ok=True)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--cov-report=", *args)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    return executed(root)


@XDIST
@pytest.mark.parametrize("cov", [["--cov"], ["--cov=src"], ["--cov=shop"], ["--cov", "--cov=src"]])
def test_piv_beside_pytest_cov_measures_exactly_what_pytest_cov_alone_does(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str], cov: list[str]
) -> None:
    root = shop_in_git(shop)
    alone = measured_by(pytester, root, *cov, *xdist)
    assert alone["src/shop/db.py"] == [1, 2, 5], "the conftest import must be measured"
    with_piv = measured_by(pytester, root, *cov, *xdist, "--piv")
    assert with_piv == alone


@XDIST
def test_bare_cov_with_piv_is_measured_by_pytest_cov(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str]
) -> None:
    shop_in_git(shop)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--cov", "--piv", *xdist)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*measured by pytest-cov (--cov)*", "*(default)*14*5*64.28*"])


@XDIST
def test_cov_config_reaches_the_gate_through_pytest_covs_data(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str]
) -> None:
    root = shop_in_git(
        shop,
        '[tool.piv.coverage]\n[[tool.piv.coverage.rule]]\npath = "src/**"\nmin = 0\n'
        "branch_min = 60\n",
    )
    (root / "covrc").write_text("[run]\nbranch = True\n")
    cov = ["--cov", "--cov-config=covrc"]
    alone = measured_by(pytester, root, *cov, *xdist)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *cov, "--piv", *xdist)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*measured by pytest-cov (--cov)*", "*branch coverage 50.00 % < 60 %"]
    )
    assert executed(root) == alone


@XDIST
@pytest.mark.parametrize("cov", [["--no-cov"], ["--cov=src", "--no-cov"], ["--cov", "--no-cov"]])
def test_no_cov_stops_every_tracer_and_says_the_gate_did_not_judge(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str], cov: list[str]
) -> None:
    root = shop_in_git(shop, "[tool.piv.coverage]\nfail_under = 99\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--piv", *cov, *xdist)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["piv: coverage gate not run: --no-cov turned measurement off"])
    assert not (root / ".coverage").exists()
    assert not list(root.glob(".coverage.*"))
