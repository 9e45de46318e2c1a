"""Acceptance: each phase line, `piv status` and `piv log` name what actually happened."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import Project

BROKEN = "def subtotal(prices):\n    return max(prices)\n"
FIXED = "def subtotal(prices):\n    return sum(prices)\n"
REFACTORED = (
    "def subtotal(prices):\n    total = 0\n    for p in prices:\n        total += p\n"
    "    return total\n"
)
NEVER_RED = "\n\ndef test_pinned():\n    assert subtotal([]) == 0\n"


def piv(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_piv", *args],
        cwd=project.path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_test_failing_at_adoption_is_reported_once_as_failing_before_adoption(
    project: Project,
) -> None:
    project.append("tests/test_cart.py", "\n\ndef test_broken():\n    assert subtotal([1]) == 2\n")
    project.commit()
    adopted = project.run()
    assert adopted.ret == 1
    adopted.stdout.fnmatch_lines(
        [
            "piv: ADOPTED — 1 test recorded as the starting point, 1 failing before adoption "
            "(tests/test_cart.py::test_broken)*"
        ]
    )
    assert project.last_run()["tests/test_cart.py::test_broken"][0] == "failing-before-adoption"
    again = project.run()
    assert again.ret == 1
    again.stdout.fnmatch_lines(["piv: UNCHANGED — no test or source change since the last run"])
    assert "RED" not in again.stdout.str()


def test_a_subset_run_never_completes_a_refactor_the_full_suite_has_not_seen(
    plain_project: Project,
) -> None:
    project = plain_project
    project.append("tests/test_cart.py", "\n\ndef test_other():\n    assert subtotal([]) == 0\n")
    project.commit()
    project.run()
    project.write("src/shop/cart.py", REFACTORED)
    subset = project.run("-k", "test_other")
    subset.stdout.fnmatch_lines(["piv: REFACTOR — *the next full run judges it*"])
    full = project.run()
    full.stdout.fnmatch_lines(["piv: REFACTOR — 1 source file changed, outcomes unchanged*"])
    assert "UNCHANGED" not in full.stdout.str()


def test_fixing_a_regression_says_so(project: Project) -> None:
    project.run()
    project.write("src/shop/cart.py", BROKEN)
    assert project.run().ret == 1
    project.write("src/shop/cart.py", FIXED)
    fixed = project.run()
    assert fixed.ret == 0
    fixed.stdout.fnmatch_lines(
        [
            "piv: FIXED — 1 test that failed passes again (tests/test_cart.py::test_subtotal) "
            "by src/shop/cart.py"
        ]
    )
    assert project.last_run()["tests/test_cart.py::test_subtotal"][0] == "fixed"


def test_marking_a_test_as_characterization_says_it_was_accepted(plain_project: Project) -> None:
    project = plain_project
    project.run()
    project.append("tests/test_cart.py", NEVER_RED)
    assert project.run().ret == 1
    text = (project.path / "tests/test_cart.py").read_text()
    project.write(
        "tests/test_cart.py",
        "import pytest\n"
        + text.replace("def test_pinned", "@pytest.mark.piv_characterization\ndef test_pinned"),
    )
    accepted = project.run()
    assert accepted.ret == 0
    accepted.stdout.fnmatch_lines(
        [
            "piv: ACCEPTED — 1 test accepted as a characterization test "
            "(tests/test_cart.py::test_pinned)*"
        ]
    )


def test_a_green_run_with_a_violation_says_so_in_its_line_and_in_piv_log(
    plain_project: Project,
) -> None:
    project = plain_project
    project.run()
    project.append("tests/test_cart.py", "\n\ndef test_one():\n    assert subtotal([1]) == 2\n")
    assert project.run().ret == 1
    project.write(
        "src/shop/cart.py", "def subtotal(prices):\n    return sum(prices) + (len(prices) == 1)\n"
    )
    project.append("tests/test_cart.py", NEVER_RED)
    green = project.run()
    assert green.ret == 1
    green.stdout.fnmatch_lines(
        ["piv: GREEN — cycle complete: 1 test turned green by src/shop/cart.py; 1 RGR violation"]
    )
    log = piv(project, "log")
    assert log.returncode == 0
    assert log.stdout.splitlines()[0].endswith("GREEN +1 violation"), log.stdout


def test_status_lists_only_open_violations(plain_project: Project) -> None:
    project = plain_project
    project.run()
    project.append("tests/test_cart.py", NEVER_RED)
    project.run()
    before = piv(project, "status")
    assert "tests/test_cart.py::test_pinned passes" not in before.stdout  # last run: first seen
    assert "test_pinned passed on its first recorded run" in before.stdout
    accepted = piv(project, "rgr", "accept", "tests/test_cart.py::test_pinned", "--reason", "pin")
    assert accepted.returncode == 0, accepted.stderr
    after = piv(project, "status")
    assert "test_pinned" not in after.stdout, after.stdout
    assert "open violations" not in after.stdout


def test_log_prints_the_scope_as_a_person_would_write_it(plain_project: Project) -> None:
    project = plain_project
    project.append("tests/test_cart.py", "\n\ndef test_other():\n    assert subtotal([]) == 0\n")
    project.commit()
    project.run()
    project.run("-k", "test_other")
    log = piv(project, "log")
    newest = log.stdout.splitlines()[0]
    assert "subset: -k test_other, 1 deselected" in newest, newest
    assert "{" not in newest
