"""Acceptance: each test's reach is recorded, and a change runs only the tests it reaches."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from pytest_piv.store.reach import load_reach
from tests.conftest import Project

TAX = "def rate():\n    return 2\n"
TAX_TEST = "from shop.tax import rate\n\n\ndef test_rate():\n    assert rate() == 2\n"
LOOP = (
    "def subtotal(prices):\n    total = 0\n    for p in prices:\n        total += p\n"
    "    return total\n"
)


def _two_modules(project: Project) -> None:
    project.write("src/shop/tax.py", TAX)
    project.write("tests/test_tax.py", TAX_TEST)
    project.commit("tax")


def _reach(project: Project) -> dict[str, set[str]]:
    with contextlib.closing(sqlite3.connect(project.path / ".piv" / "piv.db")) as conn:
        return {n: set(r.files) for n, r in load_reach(conn).items()}


def _functions(project: Project) -> dict[str, set[str]]:
    with contextlib.closing(sqlite3.connect(project.path / ".piv" / "piv.db")) as conn:
        return {n: set(r.functions or ()) for n, r in load_reach(conn).items()}


def test_recording_writes_the_source_files_each_test_ran(plain_project: Project) -> None:
    _two_modules(plain_project)
    assert plain_project.run("--piv-rgr-reach=record").ret == 0
    assert _reach(plain_project) == {
        "tests/test_cart.py::test_subtotal": {"src/shop/cart.py"},
        "tests/test_tax.py::test_rate": {"src/shop/tax.py"},
    }


def test_reach_is_not_recorded_unless_asked(plain_project: Project) -> None:
    assert plain_project.run().ret == 0
    assert _reach(plain_project) == {}


def test_a_refactor_runs_only_the_tests_that_reach_it_and_is_judged_complete(
    plain_project: Project,
) -> None:
    _two_modules(plain_project)
    plain_project.run("--piv-rgr-reach=select")
    plain_project.write("src/shop/cart.py", LOOP)
    result = plain_project.run("--piv-rgr-reach=select")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 passed, 1 deselected*"])
    result.stdout.fnmatch_lines(["piv: REFACTOR — 1 source file changed, outcomes unchanged*"])
    result.stdout.no_fnmatch_line("*subset run*")
    assert plain_project.runs()[-1][1] == "reach"
    assert set(plain_project.last_run()) == {"tests/test_cart.py::test_subtotal"}


def test_a_regression_in_a_reached_test_is_caught_and_an_unrelated_test_is_not_run(
    plain_project: Project,
) -> None:
    _two_modules(plain_project)
    plain_project.run("--piv-rgr-reach=select")
    plain_project.write("src/shop/cart.py", "def subtotal(prices):\n    return 0\n")
    result = plain_project.run("--piv-rgr-reach=select")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["piv: REGRESSION — 1 test*", "*1 failed, 1 deselected*"])
    assert plain_project.last_run() == {
        "tests/test_cart.py::test_subtotal": ("regression", "assertion")
    }


def test_a_regression_through_module_data_no_test_calls_is_still_caught(
    plain_project: Project,
) -> None:
    plain_project.write("src/shop/tax.py", "RATE = 2\n\n\ndef rate():\n    return RATE\n")
    plain_project.write(
        "tests/test_tax.py", "from shop.tax import rate\n\n\ndef test_rate():\n    assert rate()\n"
    )
    plain_project.write(
        "tests/test_constant.py",
        "from shop import tax\n\n\ndef test_rate_constant():\n    assert tax.RATE == 2\n",
    )
    plain_project.commit("tax")
    plain_project.run("--piv-rgr-reach=select")
    # test_rate_constant calls nothing in tax.py: no reach records that it reads RATE
    plain_project.write("src/shop/tax.py", "RATE = 3\n\n\ndef rate():\n    return RATE\n")
    result = plain_project.run("--piv-rgr-reach=select")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["piv: REGRESSION — 1 test*", "*1 failed, 2 passed*"])
    assert plain_project.runs()[-1][1] == "full"


TILL = "def rate():\n    return 2\n\n\nclass Till:\n    def total(self, x):\n        return {}\n"


def _till(project: Project) -> None:
    """tax.py with a function and a method; a test of each; committed and run once."""
    project.write("src/shop/tax.py", TILL.format("x * rate()"))
    project.write(
        "tests/test_tax.py",
        "from shop.tax import Till, rate\n\n\ndef test_rate():\n    assert rate() == 2\n\n\n"
        "def test_till():\n    assert Till().total(1) == 2\n",
    )
    project.commit("tax")
    assert project.run("--piv-rgr-reach=select").ret == 0


def test_a_changed_function_body_runs_only_the_tests_that_called_that_function(
    plain_project: Project,
) -> None:
    _till(plain_project)
    assert _functions(plain_project)["tests/test_tax.py::test_rate"] == {"src/shop/tax.py::rate"}
    assert _functions(plain_project)["tests/test_tax.py::test_till"] == {
        "src/shop/tax.py::Till.total",
        "src/shop/tax.py::rate",
    }
    plain_project.write("src/shop/tax.py", TILL.format("rate() * x"))
    result = plain_project.run("--piv-rgr-reach=select")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 passed, 2 deselected*"])
    assert set(plain_project.last_run()) == {"tests/test_tax.py::test_till"}


def test_a_second_uncommitted_body_change_is_narrowed_from_the_ledgers_copy(
    plain_project: Project,
) -> None:
    _till(plain_project)
    plain_project.write("src/shop/tax.py", TILL.format("rate() * x"))
    assert plain_project.run("--piv-rgr-reach=select").ret == 0
    # the version before this edit was never committed: only the ledger has it
    plain_project.write("src/shop/tax.py", TILL.format("rate() * x + 0"))
    result = plain_project.run("--piv-rgr-reach=select")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 passed, 2 deselected*"])
    assert set(plain_project.last_run()) == {"tests/test_tax.py::test_till"}


def test_a_change_no_test_can_see_deselects_every_test_and_the_run_passes(
    plain_project: Project,
) -> None:
    _two_modules(plain_project)
    assert plain_project.run("--piv-rgr-reach=select").ret == 0
    plain_project.write("src/shop/tax.py", "def rate():\n    return (2)  # same code\n")
    result = plain_project.run("--piv-rgr-reach=select")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*2 deselected*"])
    result.stdout.fnmatch_lines(["piv: *no test reaches the change*"])


def test_without_the_reach_selection_a_source_change_is_a_subset_until_a_full_run(
    plain_project: Project,
) -> None:
    _two_modules(plain_project)
    plain_project.run("--piv-rgr-reach=select")
    plain_project.write("src/shop/cart.py", LOOP)
    result = plain_project.run("--piv-rgr-reach=select", "-k", "subtotal")
    result.stdout.fnmatch_lines(["*in this subset run; the next full run judges it*"])
    assert plain_project.runs()[-1][1] == "subset"


def test_a_new_source_file_no_test_reaches_runs_every_test(plain_project: Project) -> None:
    _two_modules(plain_project)
    plain_project.run("--piv-rgr-reach=select")
    plain_project.write("src/shop/extra.py", "X = 1\n")
    result = plain_project.run("--piv-rgr-reach=select")
    result.stdout.fnmatch_lines(["*2 passed*"])
    assert plain_project.runs()[-1][1] == "full"


def test_a_red_test_is_run_again_after_any_source_change_until_it_passes(
    plain_project: Project,
) -> None:
    _two_modules(plain_project)
    plain_project.run("--piv-rgr-reach=select")
    plain_project.append(
        "tests/test_tax.py",
        "\n\ndef test_double():\n    from shop.cart import double\n    assert double(2) == 4\n",
    )
    red = plain_project.run("--piv-rgr-reach=select")
    red.stdout.fnmatch_lines(["piv: RED*", "*1 failed, 2 deselected*"])
    plain_project.append("src/shop/cart.py", "\n\ndef double(x):\n    return 2 * x\n")
    green = plain_project.run("--piv-rgr-reach=select")
    green.stdout.fnmatch_lines(["piv: GREEN*", "*1 passed, 2 deselected*"])
    assert plain_project.last_run()["tests/test_tax.py::test_double"] == ("green", None)


def _under_xdist(pytester: pytest.Pytester) -> Project:
    from tests.conftest import _make

    project = _make(pytester, ("-n", "2"))
    _two_modules(project)
    return project


def test_under_xdist_the_workers_record_each_tests_reach(pytester: pytest.Pytester) -> None:
    project = _under_xdist(pytester)
    assert project.run("--piv-rgr-reach=record").ret == 0
    assert _reach(project) == {
        "tests/test_cart.py::test_subtotal": {"src/shop/cart.py"},
        "tests/test_tax.py::test_rate": {"src/shop/tax.py"},
    }


def test_under_xdist_a_refactor_runs_only_the_tests_that_reach_it(
    pytester: pytest.Pytester,
) -> None:
    project = _under_xdist(pytester)
    assert project.run("--piv-rgr-reach=select").ret == 0
    project.write("src/shop/cart.py", LOOP)
    result = project.run("--piv-rgr-reach=select")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 passed*"])
    result.stdout.fnmatch_lines(["piv: REFACTOR — 1 source file changed, outcomes unchanged*"])
    assert project.runs()[-1][1] == "reach"
    assert set(project.last_run()) == {"tests/test_cart.py::test_subtotal"}

    project.write("src/shop/cart.py", LOOP + "# a comment\n")
    result = project.run("--piv-rgr-reach=select")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["piv: no test reaches the change: 2 tests deselected by reach*"])


def test_the_reach_key_in_pyproject_turns_recording_on(plain_project: Project) -> None:
    _two_modules(plain_project)
    plain_project.append("pyproject.toml", '\n[tool.piv.rgr]\nreach = "record"\n')
    assert plain_project.run().ret == 0
    assert set(_reach(plain_project)) == {
        "tests/test_cart.py::test_subtotal",
        "tests/test_tax.py::test_rate",
    }


def test_a_bad_reach_value_is_a_one_line_usage_error(plain_project: Project) -> None:
    plain_project.append("pyproject.toml", '\n[tool.piv.rgr]\nreach = "always"\n')
    result = plain_project.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: piv: [[]tool.piv.rgr[]] reach = 'always' *expected one of *off*record*select*"]
    )


def test_a_new_test_in_a_module_runs_alone_when_only_test_bodies_changed(
    plain_project: Project,
) -> None:
    _two_modules(plain_project)
    plain_project.append("tests/test_tax.py", "\n\ndef test_other():\n    assert True\n")
    plain_project.commit("other")
    plain_project.run("--piv-rgr-reach=select")
    plain_project.append("tests/test_tax.py", "\n\ndef test_new():\n    assert rate() == 3\n")
    result = plain_project.run("--piv-rgr-reach=select")
    result.stdout.fnmatch_lines(["piv: RED*", "*1 failed, 3 deselected*"])
    assert set(plain_project.last_run()) == {"tests/test_tax.py::test_new"}


def test_a_helper_changed_in_a_test_module_runs_all_its_tests(plain_project: Project) -> None:
    _two_modules(plain_project)
    plain_project.append("tests/test_tax.py", "\n\ndef test_other():\n    assert True\n")
    plain_project.commit("other")
    plain_project.run("--piv-rgr-reach=select")
    plain_project.append("tests/test_tax.py", "\n\nTWO = 2\n")
    result = plain_project.run("--piv-rgr-reach=select")
    result.stdout.fnmatch_lines(["*2 passed, 1 deselected*"])


def test_a_deleted_tests_reach_is_forgotten_by_the_next_full_run(plain_project: Project) -> None:
    _two_modules(plain_project)
    assert plain_project.run("--piv-rgr-reach=record").ret == 0
    (plain_project.path / "tests" / "test_tax.py").unlink()
    assert plain_project.run("--piv-rgr-reach=record", "-k", "subtotal").ret == 0
    assert "tests/test_tax.py::test_rate" in _reach(plain_project)  # a subset forgets nothing
    assert plain_project.run("--piv-rgr-reach=record").ret == 0
    assert set(_reach(plain_project)) == {"tests/test_cart.py::test_subtotal"}
