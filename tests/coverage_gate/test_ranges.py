from __future__ import annotations

import pytest

from pytest_piv.coverage.ranges import arc_text, missing_ranges, missing_text


def test_missing_statements_collapse_into_ranges_across_non_statement_lines() -> None:
    statements = [1, 2, 45, 46, 48, 52, 60, 67, 68, 71]
    missing = [45, 46, 48, 52, 67, 68, 71]
    assert missing_ranges(statements, missing) == [(45, 52), (67, 71)]


def test_an_executed_statement_breaks_a_range() -> None:
    assert missing_ranges([1, 2, 3, 4], [1, 2, 4]) == [(1, 2), (4, 4)]


def test_no_missing_lines_give_no_ranges() -> None:
    assert missing_ranges([1, 2], []) == []


@pytest.mark.parametrize(("arc", "text"), [((16, 18), "16->18"), ((16, -1), "16->exit")])
def test_a_partial_branch_reads_source_arrow_destination(arc: tuple[int, int], text: str) -> None:
    assert arc_text(arc) == text


def test_missing_text_lists_ranges_then_partial_branches() -> None:
    text = missing_text([1, 2, 3, 16, 45, 46, 52], [45, 46, 52], [(16, 18)])
    assert text == "45-52, 16->18"


def test_missing_text_is_capped_with_a_count_of_the_rest() -> None:
    text = missing_text(range(1, 20), [1, 3, 5, 7, 9], limit=2)
    assert text == "1, 3, … (+3 more)"
