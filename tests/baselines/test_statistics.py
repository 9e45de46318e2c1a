import pytest

from pytest_piv.baselines.statistics import (
    holm,
    incomplete_beta,
    quantile,
    quantile_interval,
    t_quantile,
    t_sf,
)


def test_quantiles_interpolate_between_order_statistics() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.0) == 1.0
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.1) == pytest.approx(1.4)


def test_a_quantile_interval_brackets_the_quantile_and_widens_with_few_samples() -> None:
    data = [float(i) for i in range(100)]
    assert quantile_interval(data, 0.1) == (3.0, 16.0)
    assert quantile_interval([1.0, 2.0, 3.0, 4.0, 5.0], 0.1) == (1.0, 3.0)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [(0.975, 4, 2.776445), (0.975, 1, 12.706205), (0.975, 30, 2.042272), (0.05, 9, -1.833113)],
)
def test_student_t_quantiles_match_the_tables(p: float, df: int, expected: float) -> None:
    assert t_quantile(p, df) == pytest.approx(expected, abs=1e-5)


def test_student_t_tail_and_incomplete_beta_match_known_values() -> None:
    assert t_sf(2.0, 10) == pytest.approx(0.036694, abs=1e-6)
    assert t_sf(-2.0, 10) == pytest.approx(1 - 0.036694, abs=1e-6)
    assert incomplete_beta(2, 3, 0.4) == pytest.approx(0.5248)


def test_holm_rejects_step_down_until_the_first_p_value_above_its_level() -> None:
    assert holm([0.01, 0.04, 0.03, 0.005], 0.05) == [True, False, False, True]
    assert holm([0.02, 0.02], 0.05) == [True, True]
    assert holm([0.03, 0.03], 0.05) == [False, False]
    assert holm([], 0.05) == []
