from __future__ import annotations

import json
from fractions import Fraction

import pytest

from pytest_piv.coverage.model import Ratio
from pytest_piv.coverage.ratchet import (
    Baseline,
    BaselineEntry,
    BaselineError,
    Lowering,
    dumps_baseline,
    judge_ratchet,
    loads_baseline,
    update_baseline,
)

FLOOR = BaselineEntry(statements=100, missed=10)


@pytest.mark.parametrize(
    ("now", "tolerance", "missed_tolerance", "failures"),
    [
        (Ratio(95, 100), Fraction(0), 0, ()),  # coverage went up
        (Ratio(90, 100), Fraction(0), 0, ()),  # unchanged
        (Ratio(40, 50), Fraction(0), 0, ()),  # deleted 50 covered lines: 80 % but no new miss
        (Ratio(140, 150), Fraction(0), 0, ()),  # new covered code
        (Ratio(89, 100), Fraction(0), 0, ("ratchet: 11 missed lines, baseline 10 (+1)",)),
        (Ratio(139, 150), Fraction(0), 0, ("ratchet: 11 missed lines, baseline 10 (+1)",)),
        # a missed-line allowance still holds the percentage
        (Ratio(139, 150), Fraction(0), 2, ()),
        (
            Ratio(89, 100),
            Fraction(0),
            2,
            ("ratchet: 89.00 % < baseline 90.00 % - 0 with 1 new missed lines",),
        ),
        (Ratio(89, 100), Fraction(1), 2, ()),
    ],
)
def test_the_ratchet_trips_on_new_missed_lines_never_on_deleted_code(
    now: Ratio, tolerance: Fraction, missed_tolerance: int, failures: tuple[str, ...]
) -> None:
    assert judge_ratchet(FLOOR, now, tolerance, missed_tolerance).failures == failures


def test_the_baseline_file_is_sorted_diff_friendly_json() -> None:
    baseline = Baseline(
        {"src/b/**": BaselineEntry(3, 1), "(default)": BaselineEntry(40, 2)},
        (Lowering("2026-01-02", "legacy import", ("src/b/**",)),),
    )
    text = dumps_baseline(baseline)
    assert text.endswith("}\n")
    assert list(json.loads(text)["groups"]) == ["(default)", "src/b/**"]
    assert '"percent": "66.66"' in text
    assert loads_baseline(text, "coverage-baseline.json") == baseline


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "not a coverage baseline"),
        ("{", "not a coverage baseline"),
        ('{"version": 9, "groups": {}}', "baseline format version 9 is not 1"),
        ('{"version": 1, "groups": {"a": {"missed": 1}}}', "not a coverage baseline"),
        (
            '{"version": 1, "groups": {"a": {"missed": 5, "statements": 2}}}',
            "group 'a' has missed 5 of 2",
        ),
    ],
)
def test_a_malformed_baseline_is_refused_with_its_name(text: str, message: str) -> None:
    with pytest.raises(BaselineError, match=message) as info:
        loads_baseline(text, "cov.json")
    assert str(info.value).startswith("cov.json: ")


def test_updating_the_baseline_raises_floors_and_drops_gone_groups() -> None:
    old = Baseline({"a": BaselineEntry(10, 5), "gone": BaselineEntry(1, 1)})
    new = update_baseline(old, {"a": Ratio(8, 10), "new": Ratio(1, 2)})
    assert new.groups == {"a": BaselineEntry(10, 2), "new": BaselineEntry(2, 1)}


def test_updating_the_baseline_refuses_to_lower_a_floor() -> None:
    old = Baseline({"a": BaselineEntry(10, 2)})
    with pytest.raises(BaselineError, match=r"would lower the floor of a \(2 -> 5 missed\)"):
        update_baseline(old, {"a": Ratio(5, 10)})


def test_lowering_a_floor_needs_a_reason_and_keeps_it() -> None:
    old = Baseline({"a": BaselineEntry(10, 2)})
    with pytest.raises(BaselineError, match="needs a reason"):
        update_baseline(old, {"a": Ratio(5, 10)}, allow_lower=True, reason=" ")
    new = update_baseline(
        old, {"a": Ratio(5, 10)}, allow_lower=True, reason="vendored parser", date="2026-05-09"
    )
    assert new.groups == {"a": BaselineEntry(10, 5)}
    assert new.lowered == (Lowering("2026-05-09", "vendored parser", ("a",)),)
    again = update_baseline(new, {"a": Ratio(6, 10)})
    assert again.lowered == new.lowered
