"""Acceptance: every row of the RGR table, in real git projects, with and without xdist."""

from __future__ import annotations

import pytest

from tests.conftest import Project

NEW_TEST = """
def test_total_with_discount():
    from shop.cart import total

    assert total([10, 10], discount=10) == 18
"""
TOTAL = """
def total(prices, discount=0):
    return subtotal(prices) * (100 - discount) / 100
"""


def append_marked_tests(project: Project, code: str) -> None:
    """Add tests that use pytest marks to the project's test file."""
    project.append("tests/test_cart.py", "\n\nimport pytest\n\n\n" + code)


def test_first_run_adopts_the_existing_passing_tests(project: Project) -> None:
    result = project.run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["piv: rgr enforce, policy standard, store *piv.db"])
    result.stdout.fnmatch_lines(["piv: ADOPTED — 1 test recorded as the starting point*"])
    assert project.last_run() == {"tests/test_cart.py::test_subtotal": ("adopted", None)}


def test_a_second_run_without_changes_is_unchanged(project: Project) -> None:
    project.run()
    result = project.run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["piv: UNCHANGED — no test or source change since the last run"])


def test_new_failing_test_is_red_and_the_code_that_passes_it_is_green(project: Project) -> None:
    project.run()
    project.append("tests/test_cart.py", NEW_TEST)
    red = project.run()
    assert red.ret == 1
    red.stdout.fnmatch_lines(
        [
            "piv: RED — 1 test fails as expected "
            "(tests/test_cart.py::test_total_with_discount): make it pass with the smallest change"
        ]
    )
    assert project.last_run()["tests/test_cart.py::test_total_with_discount"] == (
        "red",
        "missing-symbol",
    )
    project.append("src/shop/cart.py", TOTAL)
    green = project.run()
    assert green.ret == 0
    green.stdout.fnmatch_lines(
        ["piv: GREEN — cycle complete: 1 test turned green by src/shop/cart.py"]
    )
    assert project.last_run()["tests/test_cart.py::test_total_with_discount"][0] == "green"


def test_new_test_passing_on_its_first_run_fails_as_an_rgr_violation(project: Project) -> None:
    project.run()
    project.append("tests/test_cart.py", "\n\ndef test_empty():\n    assert True\n")
    result = project.run()
    assert result.ret == 1
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*piv: tests/test_cart.py::test_empty passed on its first recorded run; RGR needs a "
            "failing run first",
            "*- piv -*",
            "hint: make it fail for the right reason first*",
        ]
    )
    result.stdout.fnmatch_lines(["piv: VIOLATION — 1 RGR violation(s)"])


def test_the_violation_persists_until_the_test_is_seen_red(project: Project) -> None:
    project.run()
    project.append("tests/test_cart.py", "\n\ndef test_pair():\n    assert subtotal([2, 2]) == 4\n")
    assert project.run().ret == 1
    again = project.run()
    assert again.ret == 1
    again.stdout.fnmatch_lines(["*test_pair passes but has still never been seen failing*"])
    # seeing it red (the code broken on purpose), then green again, settles it
    project.write("src/shop/cart.py", "def subtotal(prices):\n    return 0\n")
    assert project.run().ret == 1
    project.write("src/shop/cart.py", "def subtotal(prices):\n    return sum(prices)\n")
    settled = project.run()
    assert settled.ret == 0
    settled.stdout.fnmatch_lines(["piv: GREEN — cycle complete*"])


def test_warn_mode_reports_a_violation_without_failing(project: Project) -> None:
    project.run()
    project.append("tests/test_cart.py", "\n\ndef test_empty():\n    assert True\n")
    result = project.run("--piv-rgr-mode", "warn")
    assert result.ret == 0
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["  warning (mode warn): *test_empty passed on its first*"])


def test_red_test_edited_into_passing_is_a_violation(project: Project) -> None:
    project.run()
    project.append(
        "tests/test_cart.py", "\n\ndef test_double():\n    assert subtotal([2, 2]) == 5\n"
    )
    assert project.run().ret == 1
    project.write(
        "tests/test_cart.py",
        (project.path / "tests/test_cart.py").read_text().replace("== 5", "== 4"),
    )
    result = project.run()
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*test_double was red and now passes, but only the test changed*"])
    assert project.last_run()["tests/test_cart.py::test_double"][0] == "edited-green"


def test_a_passing_test_that_fails_after_a_source_change_is_a_regression(
    project: Project,
) -> None:
    project.run()
    project.write("src/shop/cart.py", "def subtotal(prices):\n    return max(prices)\n")
    result = project.run()
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "piv: REGRESSION — 1 test that passed before now fails*",
            "  violation: tests/test_cart.py::test_subtotal passed before and now fails "
            "(AssertionError*",
        ]
    )


def test_characterization_test_may_pass_on_arrival_and_is_reported(project: Project) -> None:
    project.run()
    append_marked_tests(
        project,
        "@pytest.mark.piv_characterization\n"
        "def test_pins_rounding():\n    assert subtotal([0.1, 0.2]) > 0.3\n",
    )
    result = project.run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["  note: 1 test passed on arrival as characterization tests: *test_pins_rounding"]
    )


def test_skipped_and_xfailed_new_tests_are_not_judged(project: Project) -> None:
    project.run()
    append_marked_tests(
        project,
        "@pytest.mark.skip\ndef test_later():\n    pass\n\n\n"
        "@pytest.mark.xfail\ndef test_known_bug():\n    assert False\n",
    )
    result = project.run()
    assert result.ret == 0
    verdicts = project.last_run()
    assert verdicts["tests/test_cart.py::test_later"][0] == "skipped"
    assert verdicts["tests/test_cart.py::test_known_bug"][0] == "skipped"


def test_adding_a_parametrize_case_judges_only_the_new_case(project: Project) -> None:
    project.write(
        "tests/test_table.py",
        "import pytest\nfrom shop.cart import subtotal\n\n\n"
        "@pytest.mark.parametrize(('prices', 'want'), [([1], 1), ([1, 2], 3)])\n"
        "def test_table(prices, want):\n    assert subtotal(prices) == want\n",
    )
    project.run()
    project.write(
        "tests/test_table.py",
        (project.path / "tests/test_table.py")
        .read_text()
        .replace("([1, 2], 3)]", "([1, 2], 3), ([5], 50)]"),
    )
    result = project.run()
    verdicts = project.last_run()
    assert verdicts["tests/test_table.py::test_table[prices2-50]"] == ("red", "assertion")
    assert verdicts["tests/test_table.py::test_table[prices0-1]"][0] == "unchanged"
    assert result.ret == 1


@pytest.mark.parametrize("mode", ["-x", "--maxfail=1"])
def test_an_interrupted_run_is_incomplete_and_completes_no_cycle(
    project: Project, mode: str
) -> None:
    project.run()
    project.append("tests/test_cart.py", NEW_TEST)
    project.run()
    project.append("src/shop/cart.py", TOTAL)
    project.append("tests/test_cart.py", "\n\ndef test_boom():\n    assert subtotal([]) == 1\n")
    project.write("tests/test_a_first.py", "def test_fails_first():\n    assert 1 == 2\n")
    result = project.run(mode)
    result.stdout.fnmatch_lines(["piv: INCOMPLETE — the run was interrupted*"])
    assert project.runs()[-1][0] == "incomplete"
    # the full run afterwards is the one that completes the cycle
    full = project.run()
    full.stdout.fnmatch_lines(["piv: RED*"])
    assert project.last_run()["tests/test_cart.py::test_total_with_discount"][0] == "green"


def test_keyboard_interrupt_leaves_an_incomplete_run(project: Project) -> None:
    project.run()
    project.write("tests/test_stop.py", "def test_stop():\n    raise KeyboardInterrupt\n")
    result = project.run()
    assert result.ret == 2
    assert project.runs()[-1][0] == "incomplete"


def test_a_deleted_red_test_no_longer_counts_as_pending(project: Project) -> None:
    project.run()
    project.write("tests/test_gone.py", "def test_gone():\n    assert False\n")
    project.run()
    assert project.piv_json("status")["pending_reds"] == [  # type: ignore[index]
        {"nodeid": "tests/test_gone.py::test_gone", "red_kind": "assertion"}
    ]
    (project.path / "tests" / "test_gone.py").unlink()
    result = project.run()
    assert result.ret == 0
    assert project.piv_json("status")["pending_reds"] == []  # type: ignore[index]
    history = project.piv_json("rgr", "explain", "tests/test_gone.py::test_gone")
    assert len(history["history"]) == 1  # type: ignore[index]


def test_adopting_a_project_with_hundreds_of_passing_tests_judges_only_what_changes(
    project: Project,
) -> None:
    for n in range(10):
        cases = ", ".join(str(i) for i in range(30))
        project.write(
            f"tests/test_many_{n}.py",
            "import pytest\nfrom shop.cart import subtotal\n\n\n"
            f"@pytest.mark.parametrize('x', [{cases}])\n"
            "def test_many(x):\n    assert subtotal([x]) == x\n",
        )
    project.commit("a big existing suite")
    adopted = project.run()
    assert adopted.ret == 0
    adopted.stdout.fnmatch_lines(["piv: ADOPTED — 301 tests recorded as the starting point*"])
    project.append("tests/test_many_3.py", "\n\ndef test_new():\n    assert subtotal([]) == 0\n")
    judged = project.run()
    assert judged.ret == 1
    judged.assert_outcomes(passed=301, failed=1)
    judged.stdout.fnmatch_lines(["piv: VIOLATION — 1 RGR violation(s)"])


def test_a_characterization_mark_on_the_class_covers_its_tests(project: Project) -> None:
    project.run()
    append_marked_tests(
        project,
        "@pytest.mark.piv_characterization\nclass TestPinned:\n"
        "    def test_one(self):\n        assert subtotal([1]) == 1\n",
    )
    result = project.run()
    assert result.ret == 0
    verdicts = project.last_run()
    assert verdicts["tests/test_cart.py::TestPinned::test_one"][0] == "characterization"


def test_a_strict_xpass_fails_without_an_exception_and_is_no_valid_red(project: Project) -> None:
    project.run()
    append_marked_tests(
        project,
        "@pytest.mark.xfail(strict=True)\ndef test_not_broken_after_all():\n    assert True\n",
    )
    result = project.run()
    assert result.ret == 1
    verdict, red_kind = project.last_run()["tests/test_cart.py::test_not_broken_after_all"]
    assert (verdict, red_kind) == ("wrong-red", None)
