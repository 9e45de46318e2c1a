"""The setting values every settings table shares: flags, percentages, counts, sizes."""

from __future__ import annotations

import pytest

from pytest_piv.values import (
    format_percent,
    int_between,
    parse_flag,
    parse_percent,
    percent_between,
)


@pytest.mark.parametrize(
    ("text", "expected"), [("10%", 0.1), (" 2.5 % ", 0.025), ("0%", 0.0), ("250%", 2.5)]
)
def test_a_percentage_is_read_as_a_fraction(text: str, expected: float) -> None:
    assert parse_percent(text) == pytest.approx(expected)


@pytest.mark.parametrize("value", [10, 0.1, "10", "ten %", "-5%", True, None])
def test_a_percentage_needs_a_number_and_a_percent_sign(value: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the callers name the key
        parse_percent(value)


def test_a_bounded_percentage_refuses_what_lies_outside_its_bounds() -> None:
    tolerance = percent_between(0.0, 1.0)
    threshold = percent_between(0.0, 10.0, above_low=True, below_high=True)
    assert (tolerance("0%"), tolerance("100%"), threshold("999%")) == (0.0, 1.0, 9.99)
    for parse, text in ((tolerance, "101%"), (threshold, "0%"), (threshold, "1000%")):
        with pytest.raises(ValueError):  # noqa: PT011
            parse(text)


def test_a_percentage_is_written_back_the_way_settings_write_it() -> None:
    assert (format_percent(0.1), format_percent(0.125)) == ("10%", "12.5%")


def test_a_count_is_a_whole_number_within_its_bounds() -> None:
    runs = int_between(1, 50)
    assert (runs(1), runs("50")) == (1, 50)
    for value in (0, 51, True, 2.5, "two"):
        with pytest.raises(ValueError):  # noqa: PT011
            runs(value)


@pytest.mark.parametrize(("text", "expected"), [("off", False), ("YES", True), (True, True)])
def test_a_flag_reads_the_same_from_toml_the_environment_and_flags(
    text: object, expected: bool
) -> None:
    assert parse_flag(text) is expected
