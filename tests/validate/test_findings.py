"""Parsing each tool's output into findings, and telling new findings from old ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_piv.validate.findings import (
    Finding,
    new_findings,
    parse_generic,
    parse_mypy,
    parse_pytest,
    parse_ruff_format,
    parse_ruff_json,
)

ROOT = Path("/project")


def test_a_finding_renders_as_path_line_col_code_message() -> None:
    finding = Finding("src/a.py", 3, 7, "F401", "`os` imported but unused")
    assert finding.render() == "src/a.py:3:7: F401 `os` imported but unused"


def test_ruff_json_paths_become_relative_to_the_root() -> None:
    rows = [
        {
            "filename": "/project/src/a.py",
            "location": {"row": 1, "column": 8},
            "code": "F401",
            "message": "`os` imported but unused",
        },
        {"filename": "/project/b.py", "location": {"row": 2, "column": 1}, "code": None,
         "message": "SyntaxError: Expected an expression"},
    ]  # fmt: skip
    assert parse_ruff_json(json.dumps(rows), ROOT) == [
        Finding("src/a.py", 1, 8, "F401", "`os` imported but unused"),
        Finding("b.py", 2, 1, "syntax", "SyntaxError: Expected an expression"),
    ]


@pytest.mark.parametrize("text", ["", "not json", "{}"])
def test_ruff_output_that_is_not_a_list_gives_no_findings(text: str) -> None:
    assert parse_ruff_json(text, ROOT) == []


def test_ruff_format_names_each_file_it_would_reformat() -> None:
    out = "Would reformat: src/a.py\nWould reformat: b.py\n2 files would be reformatted\n"
    assert [f.path for f in parse_ruff_format(out, ROOT)] == ["src/a.py", "b.py"]


def test_ruff_format_diagnostics_of_newer_ruff_give_their_place() -> None:
    out = (
        "unformatted: File would be reformatted\n --> src/a.py:2:1\n  |\n1 | import os\n"
        "1 file would be reformatted\n"
    )
    assert [f.render() for f in parse_ruff_format(out, ROOT)] == [
        "src/a.py:2:1: format would be reformatted by ruff format"
    ]


def test_mypy_errors_keep_code_and_column_and_notes_are_left_out() -> None:
    out = (
        'src/shop/checkout.py:5:12: error: Missing positional argument "tax" in call to'
        ' "subtotal"  [call-arg]\n'
        "src/shop/checkout.py:5:12: note: see the definition\n"
        "src/x.py:9: error: Name 'y' is not defined\n"
    )
    assert parse_mypy(out, ROOT) == [
        Finding(
            "src/shop/checkout.py",
            5,
            12,
            "call-arg",
            'Missing positional argument "tax" in call to "subtotal"',
        ),
        Finding("src/x.py", 9, 1, "mypy", "Name 'y' is not defined"),
    ]


def test_generic_lines_take_the_first_word_as_the_code() -> None:
    out = "src/a.py:4:2: B101 Use of assert detected\nnoise\nb.py:7: E1 bad\n"
    assert parse_generic(out, ROOT) == [
        Finding("src/a.py", 4, 2, "B101", "Use of assert detected"),
        Finding("b.py", 7, 1, "E1", "bad"),
    ]


def test_pytest_short_summary_gives_one_finding_per_failed_test() -> None:
    out = (
        "FAILED tests/test_a.py::test_x - assert 1 == 2\n"
        "ERROR tests/test_b.py::test_y\n"
        "1 failed, 1 error in 0.1s\n"
    )
    assert parse_pytest(out) == [
        Finding("tests/test_a.py", 1, 1, "failed", "tests/test_a.py::test_x assert 1 == 2"),
        Finding("tests/test_b.py", 1, 1, "error", "tests/test_b.py::test_y"),
    ]


@pytest.mark.parametrize(
    ("current", "baseline", "fresh"),
    [
        # an old error that moved down two lines is still old
        ([("a.py", 7, "x")], [("a.py", 5, "x")], []),
        # a second copy of an old error is new
        ([("a.py", 5, "x"), ("a.py", 9, "x")], [("a.py", 5, "x")], [("a.py", 9, "x")]),
        # the same message in another file is new
        ([("b.py", 5, "x")], [("a.py", 5, "x")], [("b.py", 5, "x")]),
        ([], [("a.py", 5, "x")], []),
    ],
)
def test_new_findings_leave_out_what_the_baseline_had_whatever_the_line(
    current: list[tuple[str, int, str]],
    baseline: list[tuple[str, int, str]],
    fresh: list[tuple[str, int, str]],
) -> None:
    def rows(items: list[tuple[str, int, str]]) -> list[Finding]:
        return [Finding(p, line, 1, "arg-type", m) for p, line, m in items]

    assert new_findings(rows(current), rows(baseline)) == rows(fresh)
