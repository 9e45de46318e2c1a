"""Conventional commit subjects and the phase each type may show."""

from __future__ import annotations

import pytest

from pytest_piv.history.commits import Subject, parse_subject, type_mismatch


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("feat: add total", Subject("feat", None, False, "add total")),
        ("fix(cart)!: round half up", Subject("fix", "cart", True, "round half up")),
        ("Test: a failing test", Subject("test", None, False, "a failing test")),
    ],
)
def test_a_conventional_subject_is_split_into_type_scope_and_text(
    subject: str, expected: Subject
) -> None:
    assert parse_subject(subject) == expected


@pytest.mark.parametrize("subject", ["add total", "feat:no space", "feat: ", 'Revert "x"'])
def test_a_subject_that_is_not_conventional_is_not_parsed(subject: str) -> None:
    assert parse_subject(subject) is None


@pytest.mark.parametrize(
    ("subject", "phase"),
    [
        ("test: total with discount", "RED"),
        ("feat: discount", "GREEN"),
        ("fix: rounding", "GREEN"),
        ("refactor: extract helper", "REFACTOR"),
        ("docs: readme", "UNCHANGED"),
        ("feat: x", "REGRESSION"),
        ("update things", "RED"),
        ("wip: anything", "GREEN"),
    ],
)
def test_a_commit_type_that_fits_its_phase_is_not_flagged(subject: str, phase: str) -> None:
    assert type_mismatch(subject, phase) is None


def test_a_feat_commit_that_only_adds_a_failing_test_is_flagged_with_the_fitting_type() -> None:
    message = type_mismatch("feat: discount", "RED")
    assert message == ("a feat: commit should show GREEN, but it showed RED (hint: type it test:)")


def test_a_refactor_commit_that_turns_tests_green_is_flagged() -> None:
    message = type_mismatch("refactor: tidy", "GREEN")
    assert message is not None
    assert "showed GREEN" in message
    assert "feat or fix" in message
