"""``pytest --piv`` with coverage rules, end to end with real coverage data.

The shop project of conftest.py measures: src/shop/api/views.py 6 of 9 statements
(66.66 %, 1 of 2 branches), src/shop/db.py 3 of 5 (60 %), 9 of 14 together (64.28 %).
"""

from __future__ import annotations

from fnmatch import fnmatch

import pytest

from tests.coverage_gate.project import ShopProject, groups, report_json

pytestmark = pytest.mark.slow

XDIST = pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])


@XDIST
def test_a_group_below_its_minimum_fails_the_run_but_not_the_tests(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str]
) -> None:
    root = shop("[tool.piv.coverage]\nfail_under = 65\n")
    result = pytester.runpytest_subprocess("--piv", *xdist)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*(default)*14*5*64.28*65*-0.71*FAIL",
            "*line coverage 64.28 % < 65 %",
            "*src/shop/api/views.py  66.66 %  missing 8, 12-13",
            "*src/shop/db.py  60.00 %  missing 6-7",
            "piv: the coverage gate FAILED: 1 of 1 rule groups failed: (default); "
            "the tests themselves passed",
            "*= 3 passed in *",
        ]
    )
    assert (root / ".coverage").is_file()
    assert report_json(root)["passed"] is False


@XDIST
def test_a_group_at_its_minimum_passes(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str]
) -> None:
    shop("[tool.piv.coverage]\nfail_under = 64.28\n")
    result = pytester.runpytest_subprocess("--piv", *xdist)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*measured by pytest-piv, core *", "*coverage gate passed*"])


def test_the_verdict_compares_exact_fractions_not_rounded_percentages(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    # 15999 of 20000 statements: 79.995 %, which rounds to 80.00 but is below 80
    body = "".join(f"    y{i} = {i}\n" for i in range(4001))
    module = "".join(f"x{i} = {i}\n" for i in range(15998)) + "def never():\n" + body
    root = shop(
        '[tool.piv.coverage]\n[[tool.piv.coverage.rule]]\npath = "src/big.py"\nmin = 80\n'
        '[[tool.piv.coverage.rule]]\npath = "src/shop/**"\nmin = 0\n'
    )
    (root / "src" / "big.py").write_text(module)
    (root / "tests" / "test_big.py").write_text("import big\n\ndef test_big():\n    assert big\n")
    result = pytester.runpytest_subprocess("--piv")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*src/big.py*20000*4001*79.99*80*-0.005*FAIL", "*line coverage 79.99 % < 80 %"]
    )
    text = (root / "pyproject.toml").read_text().replace("min = 80", "min = 79.995")
    (root / "pyproject.toml").write_text(text)
    assert pytester.runpytest_subprocess("--piv").ret == pytest.ExitCode.OK


def test_rules_take_files_by_the_documented_specificity_order(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    root = shop(
        """
        [tool.piv.coverage]
        fail_under = 0
        [[tool.piv.coverage.rule]]
        module = "shop"
        min = 60
        [[tool.piv.coverage.rule]]
        path = "src/shop/api/**"
        min = 66
        [[tool.piv.coverage.rule]]
        path = "src/shop/api/views.py"
        min = 66.66
        per = "file"
        """
    )
    result = pytester.runpytest_subprocess("--piv")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    by_rule = groups(root)
    assert by_rule["src/shop/api/views.py"]["files"] == 1  # names the file itself
    assert by_rule["src/shop/api/**"]["files"] == 1  # api/__init__.py, deeper than shop
    assert by_rule["shop"]["files"] == 2  # shop/__init__.py and db.py
    assert "(default)" not in by_rule


def test_a_per_file_rule_fails_on_its_worst_file(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    shop(
        '[tool.piv.coverage]\n[[tool.piv.coverage.rule]]\npath = "src/**"\nmin = 62\nper = "file"\n'
    )
    result = pytester.runpytest_subprocess("--piv")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*src/** [per file]*60.00*62*-2.00*FAIL",
            "*1 of 4 files below the minimum",
            "*src/shop/db.py  60.00 %  missing 6-7",
            "*line coverage 60.00 % < 62 %",
        ]
    )


def test_a_branch_minimum_measures_branches_and_reports_partial_ones(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    shop(
        '[tool.piv.coverage]\n[[tool.piv.coverage.rule]]\npath = "src/**"\nmin = 0\n'
        "branch_min = 60\n"
    )
    result = pytester.runpytest_subprocess("--piv")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*branch coverage 50.00 % < 60 %", "*views.py  66.66 %  missing 8, 12-13, 6->8"]
    )


@XDIST
def test_with_cov_given_piv_judges_pytest_covs_data(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str]
) -> None:
    shop("[tool.piv.coverage]\nfail_under = 65\n")
    result = pytester.runpytest_subprocess("--piv", "--cov=src", *xdist)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*measured by pytest-cov (--cov)*", "*(default)*14*5*64.28*65*FAIL", "*Cover*"]
    )


@pytest.mark.parametrize(
    ("subset", "args", "expected"),
    [
        (
            "report",
            ["-k", "connect"],
            ["*not gated*", "note: subset run: coverage is reported, not gated*"],
        ),
        ("report", ["tests/test_db.py"], ["*not gated*"]),
        (
            "targeted",
            ["-k", "connect"],
            [
                "*src/shop/db.py*FAIL",
                "note: subset run: gated only the rules its tests reached: src/shop/db.py",
            ],
        ),
    ],
)
def test_a_subset_run_says_whether_it_gated(
    pytester: pytest.Pytester,
    shop: ShopProject,
    subset: str,
    args: list[str],
    expected: list[str],
) -> None:
    shop(
        f"""
        [tool.piv.coverage]
        subset = "{subset}"
        [[tool.piv.coverage.rule]]
        path = "src/shop/db.py"
        min = 100
        [[tool.piv.coverage.rule]]
        path = "src/shop/api/**"
        min = 100
        """
    )
    result = pytester.runpytest_subprocess("--piv", *args)
    result.stdout.fnmatch_lines(expected)
    failed = subset == "targeted"
    assert result.ret == (pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "fail_under = 180",
            "*[[]tool.piv.coverage[]] fail_under = 180 (pyproject.toml): "
            "expected a number from 0 to 100",
        ),
        ("fail_undr = 80", "*fail_undr = 80*expected one of the keys*"),
        (
            '[[tool.piv.coverage.rule]]\npath = "src/shpo/**"\nmin = 1',
            '*rule "src/shpo/[*][*]" matches no measured file*',
        ),
        (
            '[[tool.piv.coverage.rule]]\npath = "src/shop/**"\nmin = 1\n'
            '[[tool.piv.coverage.rule]]\nmodule = "shop"\nmin = 2',
            '*rule "src/shop/[*][*]" and rule "shop" are equally specific*',
        ),
        (
            '[[tool.piv.coverage.rule]]\npath = "src/**"\nmin = 1\nbranch_min = 1',
            '*rule "src/[*][*]" has a branch minimum but the coverage data has no branch*',
        ),
    ],
)
def test_a_misconfiguration_is_a_usage_error_naming_the_rule(
    pytester: pytest.Pytester, shop: ShopProject, toml: str, message: str
) -> None:
    shop("[tool.piv.coverage]\n" + toml + "\n")
    args = ["--cov=src"] if "branch_min" in toml else []  # pytest-cov measures lines only
    result = pytester.runpytest_subprocess("--piv", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.lines + result.stderr.lines
    assert not any("Traceback" in line for line in output)
    assert any(fnmatch(line, message) for line in output), "\n".join(output)


def test_every_key_is_read_from_pyproject(pytester: pytest.Pytester, shop: ShopProject) -> None:
    root = shop(
        """
        [tool.piv.coverage]
        fail_under = 50
        branch_fail_under = 10
        per = "group"
        branch = true
        show_files = 1
        show_ranges = 1
        subset = "report"
        ratchet = false
        baseline = "cov-floor.json"
        ratchet_tolerance = 0.5
        ratchet_missed_tolerance = 1
        json = "out/cov.json"
        markdown = "cov.md"
        core = "ctrace"
        paths = { "src/" = ["/elsewhere/src/"] }
        [[tool.piv.coverage.rule]]
        name = "api"
        path = "src/shop/api/**"
        min = 100
        """
    )
    (root / "out").mkdir()
    result = pytester.runpytest_subprocess("--piv")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*core CTracer*", "*api*100*FAIL", "*views.py  66.66 %  missing 8, … (+2 more)"]
    )
    assert (root / "out" / "cov.json").is_file()
    assert not (root / ".piv" / "coverage.json").exists()
    assert (root / "cov.md").read_text().startswith("### Coverage gate failed")


def test_the_default_minimum_can_come_from_a_flag(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    shop("[tool.piv.coverage]\nfail_under = 10\n")
    result = pytester.runpytest_subprocess("--piv", "--piv-cov-fail-under=70")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*line coverage 64.28 % < 70 %"])


def test_help_lists_the_coverage_flags(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines_random(
        ["*--piv-cov-fail-under=PERCENT*", "*--piv-diff-base=REF*", "*--piv-diff-fail-under*"]
    )


def test_the_data_file_is_left_where_coverage_would_leave_it(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    root = shop(
        '[tool.piv.coverage]\nfail_under = 0\n[tool.coverage.run]\ndata_file = "build/cov.db"\n'
    )
    (root / "build").mkdir()
    assert pytester.runpytest_subprocess("--piv", "-n", "2").ret == pytest.ExitCode.OK
    assert (root / "build" / "cov.db").is_file()
    assert not (root / ".coverage").exists()


@XDIST
def test_every_file_the_gate_writes_is_named_and_none_lands_in_the_root_unannounced(
    pytester: pytest.Pytester, shop: ShopProject, xdist: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shop('[tool.piv.coverage]\nfail_under = 0\nmarkdown = "cov.md"\n')
    summary = root.parent / f"{root.name}-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    before = {p.name for p in root.iterdir()}
    result = pytester.runpytest_subprocess("--piv", "-p", "no:cacheprovider", *xdist)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "piv: wrote .coverage (coverage data), .piv/coverage.json (verdict), cov.md "
            f"(verdict), {summary} (appended), .piv/piv.db (store)"
        ]
    )
    assert report_json(root)["passed"] is True
    # pytester's own files, and pytest-benchmark's directory (made with or without --piv)
    others = {"runpytest-0", "runpytest-current", "stdout", "stderr", ".benchmarks"}
    new = {p.name for p in root.iterdir()} - before - others
    assert new == {".coverage", ".piv", "cov.md"}
    assert summary.read_text().startswith("### Coverage gate passed")


def test_with_cov_the_data_file_is_pytest_covs_and_not_named_as_pivs(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    shop("[tool.piv.coverage]\nfail_under = 0\n")
    result = pytester.runpytest_subprocess("--piv", "-p", "no:cacheprovider", "--cov=src")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["piv: wrote .piv/coverage.json (verdict), .piv/piv.db (store)"])


def test_paths_that_hold_every_test_file_are_gated_as_the_whole_suite(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    root = shop("[tool.piv.coverage]\nfail_under = 65\n")
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text().replace('testpaths = ["tests"]\n', "")
    pyproject.write_text(text.replace('[tool.piv.rgr]\nmode = "off"\n', ""))
    result = pytester.runpytest_subprocess("--piv", "tests")
    result.stdout.fnmatch_lines(["*(default)*14*5*64.28*65*FAIL"])
    result.stdout.no_fnmatch_line("*not gated*")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
