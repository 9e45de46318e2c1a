"""Acceptance: subset runs merge into what is known; refactors are verified by coverage."""

from __future__ import annotations

from tests.conftest import Project

LOOP = (
    "def subtotal(prices):\n    total = 0\n    for p in prices:\n        total += p\n"
    "    return total\n"
)
OTHER = "from shop.cart import subtotal\n\n\ndef test_other():\n    assert subtotal([]) == 0\n"


def test_a_subset_run_adds_to_what_is_known_and_erases_nothing(project: Project) -> None:
    project.write("tests/test_other.py", OTHER)
    project.run()
    project.append("tests/test_other.py", "\n\ndef test_new():\n    assert subtotal([3]) == 4\n")
    result = project.run("-k", "test_new")
    result.stdout.fnmatch_lines(["piv: RED — 1 test fails as expected*"])
    assert project.runs()[-1][1] == "subset"
    history = project.piv_json("rgr", "explain", "tests/test_cart.py::test_subtotal")
    assert isinstance(history, dict)
    assert [row["verdict"] for row in history["history"]] == ["adopted"]
    # the red seen in the subset run is evidence for the full run that follows
    project.write(
        "src/shop/cart.py", "def subtotal(prices):\n    return sum(prices) + (len(prices) == 1)\n"
    )
    full = project.run()
    assert full.ret == 0
    assert project.runs()[-1][1] == "full"
    assert project.last_run()["tests/test_other.py::test_new"][0] == "green"
    full.stdout.fnmatch_lines(
        ["piv: GREEN — cycle complete: 1 test turned green by src/shop/cart.py"]
    )


def test_scope_is_recorded_for_paths_node_ids_marks_and_deselect(project: Project) -> None:
    project.write("tests/test_other.py", OTHER)
    project.run()
    for args in (
        ("tests/test_other.py",),
        ("tests/test_cart.py::test_subtotal",),
        ("-m", "not slow"),
        ("--deselect", "tests/test_other.py::test_other"),
    ):
        project.run(*args)
        assert project.runs()[-1][1] == "subset", args
    project.run("tests")
    assert project.runs()[-1][1] == "full"


def test_refactor_without_coverage_data_is_reported_unverified(project: Project) -> None:
    project.run()
    project.write("src/shop/cart.py", LOOP)
    result = project.run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["piv: REFACTOR — 1 source file changed, outcomes unchanged; unverified: no coverage data"]
    )


def test_refactor_with_every_changed_line_executed_passes(project: Project) -> None:
    project.run("--cov=shop")
    project.write("src/shop/cart.py", LOOP)
    result = project.run("--cov=shop")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["piv: REFACTOR — 1 source file changed, outcomes unchanged, every changed line executed"]
    )


def test_source_lines_no_test_executes_are_behaviour_added_without_a_failing_test(
    project: Project,
) -> None:
    project.run("--cov=shop")
    project.append(
        "src/shop/cart.py",
        "\n\ndef refund(prices):\n    if not prices:\n        return 0\n    return -sum(prices)\n",
    )
    result = project.run("--cov=shop")
    assert result.ret == 1
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "piv: REFACTOR — 1 source file changed, outcomes unchanged, but some changed lines no "
            "test executes",
            "  violation: src/shop/cart.py: changed line(s) 6-8 executed by no test; behaviour "
            "was added without a failing test*",
        ]
    )
    # the violation stands until a test executes those lines
    again = project.run("--cov=shop")
    assert again.ret == 1


def test_a_subset_run_does_not_claim_a_verified_refactor(project: Project) -> None:
    project.run("--cov=shop")
    project.append("src/shop/cart.py", "\n\ndef unused():\n    return 1\n")
    result = project.run("--cov=shop", "-k", "subtotal")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "piv: REFACTOR — 1 source file changed, outcomes unchanged in this subset run; "
            "the next full run judges it"
        ]
    )


def test_rgr_coverage_key_measures_changed_lines_without_cov(project: Project) -> None:
    project.append("pyproject.toml", "\n[tool.piv.rgr]\ncoverage = true\n")
    project.run()
    project.write("src/shop/cart.py", LOOP)
    refactor = project.run()
    refactor.stdout.fnmatch_lines(
        ["piv: REFACTOR — 1 source file changed, outcomes unchanged, every changed line executed"]
    )
    project.append("src/shop/cart.py", "\n\ndef refund(prices):\n    return -sum(prices)\n")
    added = project.run()
    assert added.ret == 1
    added.stdout.fnmatch_lines(["  violation: src/shop/cart.py: changed line(s) 9 executed by no*"])


def test_paths_that_hold_every_test_file_are_a_full_run_without_testpaths(
    project: Project,
) -> None:
    project.write("pyproject.toml", '[tool.pytest.ini_options]\npythonpath = ["src"]\n')
    project.write("tests/test_other.py", OTHER)
    project.run()
    project.run("tests")
    assert project.runs()[-1][1] == "full"
    project.run("tests/test_other.py")
    assert project.runs()[-1][1] == "subset"
    project.run("tests", "--doctest-modules")  # doctests in src/ would not be collected
    assert project.runs()[-1][1] == "subset"
