from __future__ import annotations

from fractions import Fraction

import pytest

from pytest_piv.coverage.gate import judge
from pytest_piv.coverage.model import FileCoverage, Ratio
from pytest_piv.coverage.ratchet import BaselineEntry
from pytest_piv.coverage.settings import parse_coverage_table


def _file(
    path: str,
    statements: int,
    missed: int,
    branches: int = 0,
    missing_arcs: tuple[tuple[int, int], ...] = (),
) -> FileCoverage:
    lines = frozenset(range(1, statements + 1))
    return FileCoverage(path, lines, frozenset(range(1, missed + 1)), branches, missing_arcs)


@pytest.mark.parametrize(
    ("covered", "total", "minimum", "ok"),
    [
        (15999, 20000, "80", False),  # 79.995 % is below 80 % however it rounds
        (15999, 20000, "79.995", True),
        (16000, 20000, "80", True),
        (7968, 10000, "80", False),  # pytest-cov#728: 79.68 % once printed FAIL and exited 0
        (0, 0, "100", True),
        (1, 3, "33.333333", True),
        (1, 3, "33.3333334", False),
    ],
)
def test_a_ratio_meets_a_minimum_by_exact_fractions(
    covered: int, total: int, minimum: str, ok: bool
) -> None:
    assert Ratio(covered, total).meets(Fraction(minimum)) is ok


def test_a_group_below_its_minimum_fails_with_a_visible_shortfall() -> None:
    settings = parse_coverage_table({"fail_under": 80}, "pyproject.toml")
    verdict = judge([_file("src/a.py", 20000, 4001)], settings, has_branches=False)
    (group,) = verdict.groups
    assert verdict.failed
    assert group.failures == ("line coverage 79.99 % < 80 %",)


def test_a_group_is_judged_on_all_its_files_together() -> None:
    settings = parse_coverage_table({"rule": [{"path": "src/**", "min": 75}]}, "pyproject.toml")
    verdict = judge(
        [_file("src/a.py", 10, 5), _file("src/b.py", 30, 0)], settings, has_branches=False
    )
    (group,) = verdict.groups
    assert group.lines == Ratio(35, 40)
    assert group.ok
    assert not verdict.failed


def test_a_per_file_rule_fails_when_any_one_file_is_below() -> None:
    settings = parse_coverage_table(
        {"rule": [{"path": "src/**", "min": 75, "per": "file"}]}, "pyproject.toml"
    )
    verdict = judge(
        [_file("src/a.py", 10, 5), _file("src/b.py", 30, 0)], settings, has_branches=False
    )
    (group,) = verdict.groups
    assert group.failures == ("1 of 2 files below the minimum",)
    assert group.judged_lines == Ratio(5, 10)
    assert [f.file.path for f in group.worst_files(5)] == ["src/a.py"]
    assert group.worst_files(5)[0].failures == ("line coverage 50.00 % < 75 %",)


def test_a_branch_minimum_judges_branch_exits() -> None:
    settings = parse_coverage_table(
        {"rule": [{"path": "src/**", "min": 0, "branch_min": 75}]}, "pyproject.toml"
    )
    verdict = judge(
        [_file("src/a.py", 10, 0, branches=4, missing_arcs=((3, 5), (7, -1)))],
        settings,
        has_branches=True,
    )
    (group,) = verdict.groups
    assert group.branches == Ratio(2, 4)
    assert group.partial == 2
    assert group.failures == ("branch coverage 50.00 % < 75 %",)


def test_the_empty_default_group_is_left_out_when_rules_cover_everything() -> None:
    settings = parse_coverage_table({"rule": [{"path": "src/**", "min": 1}]}, "x")
    verdict = judge([_file("src/a.py", 1, 0)], settings, has_branches=False)
    assert [g.rule.name for g in verdict.groups] == ["src/**"]


def test_a_subset_run_in_report_mode_gates_nothing_and_says_so() -> None:
    settings = parse_coverage_table({"fail_under": 100}, "x")
    verdict = judge([_file("src/a.py", 4, 2)], settings, has_branches=False, scope="subset-report")
    assert not verdict.failed
    assert verdict.groups[0].failures
    assert verdict.notes == (
        "subset run: coverage is reported, not gated (run the whole suite to gate)",
    )


def test_a_targeted_subset_run_gates_only_the_groups_its_tests_reached() -> None:
    settings = parse_coverage_table(
        {"rule": [{"path": "src/a/**", "min": 100}, {"path": "src/b/**", "min": 100}]}, "x"
    )
    files = [_file("src/a/x.py", 4, 2), _file("src/b/y.py", 4, 4)]
    verdict = judge(files, settings, has_branches=False, scope="subset-targeted")
    assert [(g.rule.name, g.gated, g.failed) for g in verdict.groups] == [
        ("src/a/**", True, True),
        ("src/b/**", False, False),
    ]
    assert verdict.notes == ("subset run: gated only the rules its tests reached: src/a/**",)


def test_the_ratchet_fails_a_group_whose_missed_lines_rose() -> None:
    settings = parse_coverage_table({"ratchet": True}, "x")
    verdict = judge(
        [_file("src/a.py", 100, 12)],
        settings,
        has_branches=False,
        baseline={"(default)": BaselineEntry(statements=100, missed=10)},
    )
    assert verdict.failed
    assert verdict.groups[0].failures == ("ratchet: 12 missed lines, baseline 10 (+2)",)
