import math

import pytest

from pytest_piv.baselines.verdicts import (
    PRIOR_DF,
    PRIOR_NOISE,
    Estimate,
    Evidence,
    ProcessNoise,
    Summary,
    Verdict,
    estimate_ab,
    estimate_stored,
    judge,
    pair_log_ratio,
    process_noise,
    stored_evidence,
)


def rounds(scale: float, n: int = 200, jitter: float = 0.05) -> list[float]:
    """Deterministic per-iteration times between ``scale`` and ``scale * (1 + jitter)``."""
    return [scale * (1 + jitter * ((i * 7919) % 101) / 100) for i in range(n)]


#: A quiet machine: whole processes agree to about 1 %, known from many runs.
QUIET = ProcessNoise(0.01, 30)


def stored(
    baseline: list[list[float]],
    current: list[list[float]],
    threshold: float = 0.1,
    noise: ProcessNoise | None = QUIET,
) -> Evidence:
    return Evidence(
        "t.py::test_b",
        threshold,
        Summary.of(baseline),
        Summary.of(current),
        estimate_stored(baseline, current, noise=noise),
    )


def verdict_of(evidence: Evidence) -> Verdict:
    return judge([evidence])[0].verdict


def three_processes(scale: float) -> list[list[float]]:
    return [rounds(scale * f) for f in (0.99, 1.0, 1.01)]


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        (1.0, Verdict.UNCHANGED),
        (1.03, Verdict.UNCHANGED),
        (1.09, Verdict.REGRESSED),
        (1.25, Verdict.REGRESSED),
        (0.8, Verdict.IMPROVED),
        (0.96, Verdict.UNCHANGED),
    ],
)
def test_stored_mode_judges_against_half_the_threshold_on_a_quiet_machine(
    scale: float, expected: Verdict
) -> None:
    assert verdict_of(stored(three_processes(1e-3), [rounds(1e-3 * scale)])) is expected


def test_with_a_single_baseline_process_the_prior_noise_keeps_a_7_percent_change_open() -> None:
    assert verdict_of(stored([rounds(1e-3)], [rounds(1.07e-3)], noise=None)) is (
        Verdict.INCONCLUSIVE
    )
    assert verdict_of(stored([rounds(1e-3)], [rounds(1.25e-3)], noise=None)) is (Verdict.REGRESSED)


def test_process_noise_pools_the_spread_of_every_benchmark_with_the_prior() -> None:
    calm = process_noise([three_processes(1e-3), three_processes(1e-4)])
    shaky = process_noise([[rounds(1e-3), rounds(1.2e-3)]])
    # one degree of freedom per benchmark: the spread of its two fastest processes
    assert calm.df == 2 + PRIOR_DF
    assert calm.sigma < PRIOR_NOISE
    assert shaky.sigma > PRIOR_NOISE


def test_one_wild_process_does_not_set_the_noise_of_the_whole_suite() -> None:
    calm = [three_processes(scale) for scale in (1e-5, 1e-4, 1e-3)]
    wild = [rounds(1e-2), rounds(1e-2), rounds(1.8e-2)]
    with_wild = process_noise([*calm, wild])
    assert with_wild.sigma < 1.5 * process_noise(calm).sigma


def test_each_fresh_re_measure_narrows_the_interval() -> None:
    one = estimate_stored(three_processes(1e-3), [rounds(1.2e-3)], noise=QUIET)
    three = estimate_stored(three_processes(1e-3), [rounds(1.2e-3)] * 3, noise=QUIET)
    assert three.log_se < one.log_se
    assert three.ratio == pytest.approx(one.ratio)


def test_a_slow_baseline_process_moves_neither_the_baseline_nor_the_noise() -> None:
    slow_one = [rounds(1e-3), rounds(1.01e-3), rounds(1.6e-3)]
    noise = process_noise([slow_one, three_processes(1e-4)])
    assert noise.sigma < PRIOR_NOISE
    assert verdict_of(stored(slow_one, [rounds(1.25e-3)], noise=noise)) is Verdict.REGRESSED
    assert verdict_of(stored(slow_one, [rounds(1.0e-3)], noise=noise)) is Verdict.UNCHANGED


def test_slow_outlier_rounds_do_not_move_the_low_quantile() -> None:
    busy = rounds(1e-3)
    busy[::5] = [t * 3 for t in busy[::5]]
    assert verdict_of(stored(three_processes(1e-3), [busy])) is Verdict.UNCHANGED


def test_a_slowdown_must_show_in_every_fresh_re_measure() -> None:
    # the fresh process ran as fast as the baseline: the two current runs disagree
    evidence = stored([rounds(1e-3)], [rounds(1.2e-3), rounds(1.0e-3)], noise=None)
    comparison = judge([evidence])[0]
    assert comparison.verdict is Verdict.INCONCLUSIVE
    assert comparison.noisy


def test_a_confirmed_slowdown_stays_regressed_after_re_measure() -> None:
    evidence = stored([rounds(1e-3)], [rounds(1.2e-3), rounds(1.19e-3)])
    assert verdict_of(evidence) is Verdict.REGRESSED


def test_baseline_runs_that_disagree_make_the_benchmark_too_noisy_to_gate() -> None:
    baseline = [rounds(1e-3), rounds(1.15e-3)]
    comparison = judge([stored(baseline, [rounds(1.02e-3)], noise=None)])[0]
    assert comparison.verdict is Verdict.INCONCLUSIVE
    assert comparison.noisy
    assert comparison.reason.startswith("too noisy to gate: change ")
    assert comparison.reason.endswith("is uncertain by more than the 10% threshold")


def test_a_per_benchmark_threshold_moves_the_boundary() -> None:
    assert verdict_of(stored([rounds(1e-3)], [rounds(1.15e-3)], threshold=0.1)) is (
        Verdict.REGRESSED
    )
    assert verdict_of(stored([rounds(1e-3)], [rounds(1.15e-3)], threshold=0.4)) is (
        Verdict.UNCHANGED
    )


def test_a_benchmark_without_baseline_is_new_and_one_not_measured_is_missing() -> None:
    new = Evidence("t.py::test_new", 0.1, None, Summary.of([rounds(1.0)]), None)
    gone = Evidence("t.py::test_gone", 0.1, Summary.of([rounds(1.0)]), None, None)
    assert [c.verdict for c in judge([new, gone])] == [Verdict.NEW, Verdict.MISSING]


def marginal(name: str) -> Evidence:
    # one-sided p of about 0.02 against the 5 % boundary
    log_se = (math.log(1.09) - math.log(1.05)) / 2.054
    estimate = Estimate(1.09, 1.0, 1.2, log_se, None, None)
    return Evidence(name, 0.1, Summary(1, 1, 1), Summary(1, 1, 1), estimate)


def test_one_marginal_slowdown_is_a_regression_but_five_are_not_a_suite_wide_alarm() -> None:
    assert [c.verdict for c in judge([marginal("a")])] == [Verdict.REGRESSED]
    assert [c.verdict for c in judge([marginal(n) for n in "abcde"])] == [Verdict.INCONCLUSIVE] * 5


def ab(ratios: list[float]) -> Evidence:
    pairs = [[(rounds(1e-4, n=5), rounds(1e-4 * r, n=5))] * 4 for r in ratios]
    return Evidence("t.py::test_ab", 0.1, Summary(1, 1, 1), Summary(1, 1, 1), estimate_ab(pairs))


@pytest.mark.parametrize(
    ("ratios", "expected"),
    [
        ([1.10, 1.11, 1.09, 1.10, 1.12], Verdict.REGRESSED),
        ([1.25, 1.26, 1.24, 1.25, 1.25], Verdict.REGRESSED),
        ([1.0, 1.01, 0.99, 1.0, 1.005], Verdict.UNCHANGED),
        ([0.8, 0.81, 0.79, 0.8, 0.8], Verdict.IMPROVED),
        ([1.0, 1.2, 0.9, 1.1, 0.95], Verdict.INCONCLUSIVE),
        ([1.06, 1.09, 1.03, 1.11, 1.05], Verdict.INCONCLUSIVE),
    ],
)
def test_ab_mode_uses_the_spread_between_process_pairs(
    ratios: list[float], expected: Verdict
) -> None:
    assert verdict_of(ab(ratios)) is expected


def test_ab_interval_has_student_t_width_over_the_pairs() -> None:
    estimate = ab([1.10, 1.11, 1.09, 1.10, 1.12]).estimate
    assert estimate is not None
    assert estimate.df == 4
    assert estimate.ratio == pytest.approx(1.104, abs=1e-3)
    assert estimate.low == pytest.approx(1.0896, abs=1e-3)
    assert estimate.high == pytest.approx(1.1189, abs=1e-3)


def test_a_single_ab_pair_falls_back_on_the_spread_of_its_blocks() -> None:
    blocks = [(rounds(1e-4, n=5), rounds(1e-4 * r, n=5)) for r in (1.2, 1.21, 1.19, 1.2)]
    estimate = estimate_ab([blocks])
    assert estimate.df == 3
    assert estimate.noise is None
    assert estimate.ratio == pytest.approx(1.2)


def test_a_burst_of_load_in_one_block_does_not_move_a_pair() -> None:
    blocks = [(rounds(1e-4, n=5), rounds(1e-4 * r, n=5)) for r in (1.0, 1.0, 1.6, 1.0, 1.0)]
    assert pair_log_ratio(blocks) == pytest.approx(0.0)


def test_the_reason_states_the_change_its_interval_and_the_boundary() -> None:
    comparison = judge([stored([rounds(1e-3)], [rounds(1.25e-3)])])[0]
    assert comparison.reason.startswith("slower by +25.0% [+")
    assert comparison.reason.endswith("clearing the +5.0% boundary of the 10% threshold")


def test_on_a_busy_machine_a_slowdown_must_clear_the_whole_threshold() -> None:
    evidence = stored(three_processes(1e-3), [rounds(1.09e-3)])
    assert judge([evidence])[0].verdict is Verdict.REGRESSED
    assert judge([evidence], boundary=1.0)[0].verdict is Verdict.INCONCLUSIVE
    assert (
        "+10.0% boundary"
        in judge([stored(three_processes(1e-3), [rounds(1.3e-3)])], boundary=1.0)[0].reason
    )
    assert judge([stored(three_processes(1e-3), [rounds(1.25e-3)])], boundary=1.0)[0].verdict is (
        Verdict.REGRESSED
    )


def test_stored_evidence_summarises_the_processes_its_change_compares() -> None:
    # the first current process was slow; the fresh re-measure is the one compared
    slow_first, fast_again = rounds(5e-3), rounds(1.01e-3)
    slow_base, fast_base = rounds(2e-3), rounds(1e-3)
    evidence = stored_evidence(
        "t.py::test_b", 0.1, [slow_base, fast_base], [slow_first, fast_again], QUIET
    )
    assert evidence.current == Summary.of([fast_again])
    assert evidence.baseline == Summary.of([fast_base])
    assert evidence.estimate is not None
    assert evidence.estimate.ratio == pytest.approx(1.01, rel=0.01)


def test_an_inconclusive_verdict_says_what_would_settle_it() -> None:
    noisy = judge([stored([rounds(1e-3), rounds(1.15e-3)], [rounds(1.02e-3)], noise=None)])[0]
    assert noisy.verdict is Verdict.INCONCLUSIVE
    assert "piv bench ab" in noisy.settle
    wide = Estimate(1.05, 0.9, 1.2, 0.05, 4, 0.1, "ab")
    side = Summary.of([rounds(1e-3)])
    ab = judge([Evidence("t.py::test_b", 0.1, side, side, wide)])[0]
    assert ab.verdict is Verdict.INCONCLUSIVE
    assert "--pairs" in ab.settle
    assert judge([stored(three_processes(1e-3), [rounds(1e-3)])])[0].settle == ""
