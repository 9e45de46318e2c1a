from __future__ import annotations

import pytest

from pytest_piv.checkpoints.model import body_of, format_message, parse_trailers, split_ref


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("refs/piv/checkpoints/main/3", ("main", 3)),
        ("refs/piv/checkpoints/feature/x/12", ("feature/x", 12)),
        ("refs/piv/safety/HEAD/1", ("HEAD", 1)),
        ("refs/piv/checkpoints/main/latest", None),
        ("refs/heads/main", None),
    ],
)
def test_a_checkpoint_ref_splits_into_branch_and_number(
    ref: str, expected: tuple[str, int] | None
) -> None:
    assert split_ref(ref) == expected


def test_a_message_round_trips_its_trailers_and_body() -> None:
    message = format_message(
        "feat: totals", "Validation: passed\n", {"Piv-Checkpoint": "7", "Piv-Phase": "GREEN"}
    )
    assert message == (
        "feat: totals\n\nValidation: passed\n\nPiv-Checkpoint: 7\nPiv-Phase: GREEN\n"
    )
    assert parse_trailers(message) == {"Piv-Checkpoint": "7", "Piv-Phase": "GREEN"}
    assert body_of(message) == "Validation: passed"
