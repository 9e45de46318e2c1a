"""The A/B sequential test on seeded synthetic timings: false alarms, power, early stops.

Each simulated pair of worker processes has its own per-process offset (memory layout,
placement: the noise between processes), and its rounds carry small jitter plus, on a
busy machine, frequent slow rounds (a neighbour's cache traffic, a timer interrupt) of
20-150 %. The same procedure :func:`run_ab` drives over real processes decides.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import pytest

from pytest_piv.baselines.ab import ABOptions, Looks, PairData, decide
from pytest_piv.baselines.verdicts import Verdict

NAMES = [f"t.py::test_{size}" for size in ("10us", "100us", "1ms", "10ms")]


class Machine:
    """A seeded model of A/B timings: what ``measure`` would add for one fresh pair."""

    def __init__(
        self,
        seed: int,
        ratios: dict[str, float],
        process_sigma: float = 0.015,
        slow_share: float = 0.3,
    ) -> None:
        self.rng = random.Random(seed)
        self.ratios = ratios
        self.process_sigma = process_sigma
        self.slow_share = slow_share

    def rounds(self, scale: float, n: int) -> list[float]:
        out = []
        for _ in range(n):
            t = scale * (1 + abs(self.rng.gauss(0, 0.01)))
            if self.rng.random() < self.slow_share:
                t *= self.rng.uniform(1.2, 2.5)
            out.append(t)
        return out

    def pair(self, name: str) -> list[tuple[list[float], list[float]]]:
        base = 1e-3 * math.exp(self.rng.gauss(0, self.process_sigma))
        cand = 1e-3 * self.ratios[name] * math.exp(self.rng.gauss(0, self.process_sigma))
        return [(self.rounds(base, 4), self.rounds(cand, 4)) for _ in range(5)]

    def run(self, options: ABOptions | None = None, alpha: float = 0.05) -> tuple[set[str], int]:
        """One simulated ``piv bench ab``: the benchmarks called regressed, pairs it took."""
        data = PairData()
        names = list(self.ratios)

        def measure(index: int, wanted: Sequence[str] | None, more: bool) -> None:
            del index, more
            if not data.order:
                data.order = names
            for name in wanted if wanted is not None else names:
                data.pairs.setdefault(name, []).append(self.pair(name))

        done = decide(measure, data, options or ABOptions(), lambda _: 0.1, alpha)
        regressed = {c.name for c in done.comparisons if c.verdict is Verdict.REGRESSED}
        return regressed, done.pairs


def test_the_looks_spend_half_of_alpha_before_the_last_and_half_at_it() -> None:
    looks = Looks.of(ABOptions(pairs=5, remeasure=True), 0.05)
    assert (looks.first, looks.last) == (3, 10)
    assert looks.level(3) == pytest.approx(0.025 / 7)
    assert looks.level(10) == pytest.approx(0.025)
    # at most alpha over every look
    assert looks.interim * (looks.last - looks.first) + looks.level(10) == pytest.approx(0.05)


def test_unchanged_code_raises_no_alarm_and_stops_after_three_pairs() -> None:
    false_alarms = 0
    pairs = []
    for seed in range(200):
        regressed, used = Machine(seed, dict.fromkeys(NAMES, 1.0)).run()
        false_alarms += bool(regressed)
        pairs.append(used)
    assert false_alarms <= 2  # at most 1 % of suite runs; alpha is 5 %
    assert sum(pairs) / len(pairs) < 3.5


@pytest.mark.parametrize("process_sigma", [0.015, 0.04])
def test_a_change_right_at_the_boundary_is_called_a_regression_at_most_alpha_of_the_time(
    process_sigma: float,
) -> None:
    # +5 % is the worst case of the null "no slowdown beyond half the 10 % threshold":
    # however often the sequential test looks, it may call it a regression at most alpha
    runs = 400
    alarms = sum(
        bool(Machine(1000 + seed, {NAMES[0]: 1.05}, process_sigma).run()[0]) for seed in range(runs)
    )
    assert alarms / runs <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / runs)


def test_a_ten_percent_slowdown_is_caught_at_least_nine_times_in_ten() -> None:
    runs = 100
    caught = sum(
        len(Machine(2000 + seed, dict.fromkeys(NAMES, 1.10)).run()[0]) for seed in range(runs)
    )
    assert caught / (runs * len(NAMES)) >= 0.9


def test_a_clear_slowdown_stops_early_instead_of_running_every_pair() -> None:
    pairs = [Machine(3000 + seed, dict.fromkeys(NAMES, 1.25)).run()[1] for seed in range(50)]
    assert max(pairs) < 10
    assert sum(pairs) / len(pairs) < 4
