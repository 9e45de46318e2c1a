"""Acceptance: a failing subtest is a failure of its test for every RGR rule."""

from __future__ import annotations

from tests.conftest import Project

SUBTESTS = """

def test_subtotals(subtests):
    for n in range(4):
        with subtests.test(msg="size", n=n):
            assert subtotal([1] * n) == n
"""
UNITTEST = """

import unittest


class TestCases(unittest.TestCase):
    def test_sizes(self):
        for n in range(4):
            with self.subTest(n=n):
                self.assertEqual(subtotal([1] * n), n)
"""
MISSING = """

def test_totals(subtests):
    import shop.cart

    for n in range(4):
        with subtests.test(n=n):
            assert shop.cart.total([1] * n) == n
"""
BROKEN_FOR_TWO = "def subtotal(prices):\n    return sum(prices) + (len(prices) == 3)\n"


def test_a_source_change_that_makes_only_subtests_fail_is_a_regression(project: Project) -> None:
    project.append("tests/test_cart.py", SUBTESTS)
    project.commit()
    assert project.run().ret == 0
    project.write("src/shop/cart.py", BROKEN_FOR_TWO)
    result = project.run()
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "piv: REGRESSION — 1 test that passed before now fails "
            "(tests/test_cart.py::test_subtotals)",
            "  violation: tests/test_cart.py::test_subtotals passed before and now fails "
            "(subtest [[]size[]] (n=*3*): AssertionError*",
        ]
    )
    assert project.last_run()["tests/test_cart.py::test_subtotals"] == ("regression", "assertion")


def test_a_failing_unittest_subtest_is_a_regression_too(project: Project) -> None:
    project.append("tests/test_cart.py", UNITTEST)
    project.commit()
    assert project.run().ret == 0
    project.write("src/shop/cart.py", BROKEN_FOR_TWO)
    result = project.run()
    assert result.ret == 1
    result.stdout.fnmatch_lines(["piv: REGRESSION — 1 test that passed before now fails*"])
    result.stdout.fnmatch_lines(
        ["*TestCases::test_sizes passed before and now fails (subtest (n=*3*)*"]
    )
    assert "outcomes unchanged" not in result.stdout.str()


def test_a_new_test_whose_only_failures_are_subtests_is_red(project: Project) -> None:
    project.run()
    project.append("tests/test_cart.py", MISSING)
    result = project.run()
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["piv: RED — 1 test fails as expected (tests/test_cart.py::test_totals)*"]
    )
    assert project.last_run()["tests/test_cart.py::test_totals"] == ("red", "missing-symbol")


def test_a_new_test_with_passing_subtests_is_one_violation_and_one_failure(
    project: Project,
) -> None:
    project.run()
    project.append("tests/test_cart.py", SUBTESTS)
    result = project.run()
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1, outcomes
    result.stdout.fnmatch_lines(["piv: VIOLATION — 1 RGR violation(s)"])
    assert project.last_run()["tests/test_cart.py::test_subtotals"] == ("never-red", None)
