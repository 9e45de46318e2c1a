"""A run's scope, printed as a person would write it."""

from __future__ import annotations

import pytest

from pytest_piv.report.scope import scope_text


@pytest.mark.parametrize(
    ("scope", "detail", "text"),
    [
        ("full", {}, "full"),
        (
            "subset",
            {"deselected": 740, "k": "rejects_zero"},
            "subset: -k rejects_zero, 740 deselected",
        ),
        ("subset", {"m": "not slow", "deselected": 3}, "subset: -m 'not slow', 3 deselected"),
        ("subset", {"lf": True}, "subset: --lf"),
        ("subset", {"deselect": ["tests/a.py::t"]}, "subset: --deselect tests/a.py::t"),
        ("subset", {"args": ["tests/a.py", "-k", "x"], "k": "x"}, "subset: tests/a.py -k x"),
        ("subset", {"ignore": True}, "subset: --ignore"),
    ],
)
def test_a_scope_reads_like_the_command_line_that_narrowed_it(
    scope: str, detail: dict[str, object], text: str
) -> None:
    assert scope_text(scope, detail) == text
