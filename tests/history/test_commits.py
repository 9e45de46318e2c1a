"""A commit's conventional type against the phase it showed (the hook's own table)."""

from __future__ import annotations

import pytest

from pytest_piv.history.commits import type_mismatch
from pytest_piv.validate.settings import DEFAULT_COMMIT_TYPES


@pytest.mark.parametrize(
    ("subject", "phase"),
    [
        ("test: total with discount", "RED"),
        ("feat: discount", "GREEN"),
        ("fix(cart)!: rounding", "GREEN"),
        ("refactor: extract helper", "REFACTOR"),
        ("docs: readme", "UNCHANGED"),
        ("feat: x", "REGRESSION"),
        ("update things", "RED"),
        ('Revert "feat: x"', "GREEN"),
        ("Merge branch 'side'", "GREEN"),
    ],
)
def test_a_commit_type_that_fits_its_phase_or_is_not_judged_is_not_flagged(
    subject: str, phase: str
) -> None:
    assert type_mismatch(subject, phase, DEFAULT_COMMIT_TYPES) is None


def test_a_feat_commit_that_only_adds_a_failing_test_is_flagged_with_the_fitting_type() -> None:
    message = type_mismatch("feat: discount", "RED", DEFAULT_COMMIT_TYPES)
    assert message == "a feat: commit showed RED, where test: fits (hint: type it test:)"


def test_a_refactor_commit_that_turns_tests_green_is_flagged() -> None:
    message = type_mismatch("refactor: tidy", "GREEN", DEFAULT_COMMIT_TYPES)
    assert message == (
        "a refactor: commit showed GREEN, where feat: or fix: fits (hint: type it feat:)"
    )


def test_the_project_table_decides_which_types_fit() -> None:
    table = {"GREEN": ("feat", "fix", "perf")}
    assert type_mismatch("perf: faster", "GREEN", table) is None
    assert type_mismatch("perf: faster", "GREEN", DEFAULT_COMMIT_TYPES) is not None
