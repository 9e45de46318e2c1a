from __future__ import annotations

from fractions import Fraction

import pytest

from pytest_piv.coverage.percent import show_margin, show_minimum, show_percent


@pytest.mark.parametrize(
    ("value", "against", "shown"),
    [
        (Fraction(7968, 100), Fraction(80), "79.68"),
        (Fraction("79.995"), Fraction(80), "79.99"),
        (Fraction("79.9999"), Fraction(80), "79.99"),
        (Fraction(80), Fraction(80), "80.00"),
        (Fraction("80.004"), Fraction("80.004"), "80.004"),
        (Fraction("80.0039"), Fraction("80.004"), "80.003"),
        (Fraction(2, 3) * 100, None, "66.66"),
        (Fraction(100), Fraction(100), "100.00"),
        (Fraction(0), Fraction(0), "0.00"),
    ],
)
def test_a_percentage_shows_enough_decimals_to_agree_with_its_verdict(
    value: Fraction, against: Fraction | None, shown: str
) -> None:
    assert show_percent(value, against) == shown


@pytest.mark.parametrize(
    ("minimum", "shown"),
    [(Fraction(80), "80"), (Fraction("79.995"), "79.995"), (Fraction("0.5"), "0.5")],
)
def test_a_minimum_shows_as_written(minimum: Fraction, shown: str) -> None:
    assert show_minimum(minimum) == shown


@pytest.mark.parametrize(
    ("value", "minimum", "shown"),
    [
        (Fraction("79.68"), Fraction(80), "-0.32"),
        (Fraction("79.995"), Fraction(80), "-0.005"),
        (Fraction(90), Fraction(80), "+10.00"),
        (Fraction(80), Fraction(80), "+0.00"),
    ],
)
def test_a_margin_is_signed_and_never_hides_a_shortfall(
    value: Fraction, minimum: Fraction, shown: str
) -> None:
    assert show_margin(value, minimum) == shown
