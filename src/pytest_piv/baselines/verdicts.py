"""From timings to one verdict per benchmark: regressed, improved, unchanged, ...

The user's threshold ``T`` means "a slowdown this large must be caught". A benchmark is
called *regressed* only when its slowdown clears the boundary ``T / 2`` with the chance of
a false alarm anywhere in the suite held at ``alpha`` (Holm), *unchanged* when its whole
95 % interval lies within ``±T``, and *inconclusive* otherwise -- flagged as too noisy to
gate when the interval is too wide to tell a ``T / 2`` change from none.

Two estimators feed the same judge:

* **stored mode** compares a low quantile of the per-round times (robust to the slow
  outliers a busy machine adds) of the current run with the baseline's, widened by the
  noise between runs where more than one run is known;
* **A/B mode** takes, for every fresh pair of worker processes that ran base and
  candidate interleaved, the log ratio of their medians, and uses Student's t over the
  pairs -- the noise that matters is between processes, not between rounds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import mean, median, stdev
from typing import Literal

from pytest_piv.baselines.statistics import (
    holm,
    normal_quantile,
    normal_sf,
    quantile,
    quantile_interval,
    t_quantile,
    t_sf,
)

#: The low quantile stored mode compares; near the minimum, but not one lucky round.
LOW_QUANTILE = 0.1
LEVEL = 0.95


class Verdict(StrEnum):
    REGRESSED = "regressed"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    INCONCLUSIVE = "inconclusive"
    NEW = "new"
    MISSING = "missing"


@dataclass(frozen=True)
class Summary:
    """Per-iteration seconds of one side: its fastest and median round."""

    min: float
    median: float
    rounds: int

    @classmethod
    def of(cls, runs: Sequence[Sequence[float]]) -> Summary:
        every = [t for run in runs for t in run]
        return cls(min=min(every), median=median(every), rounds=len(every))


@dataclass(frozen=True)
class Estimate:
    """The candidate/baseline time ratio with its 95 % interval.

    ``log_se`` is the standard error of ``log(ratio)``; ``df`` its Student-t degrees of
    freedom (None: normal); ``noise`` the relative spread between runs or process pairs
    (None when only one was seen). In stored mode the interval leaves the spread between
    runs out and ``noise`` decides whether the runs agree enough to gate at all; in A/B
    mode the spread between process pairs is the interval.
    """

    ratio: float
    low: float
    high: float
    log_se: float
    df: float | None
    noise: float | None
    mode: Literal["stored", "ab"] = "stored"

    def p_above(self, bound: float) -> float:
        """One-sided p-value of "the true ratio is at most ``bound``"."""
        if self.log_se <= 0:
            return 0.0 if self.ratio > bound else 1.0
        z = (math.log(self.ratio) - math.log(bound)) / self.log_se
        return normal_sf(z) if self.df is None else t_sf(z, self.df)

    def p_below(self, bound: float) -> float:
        """One-sided p-value of "the true ratio is at least ``bound``"."""
        if self.log_se <= 0:
            return 0.0 if self.ratio < bound else 1.0
        z = (math.log(bound) - math.log(self.ratio)) / self.log_se
        return normal_sf(z) if self.df is None else t_sf(z, self.df)


@dataclass(frozen=True)
class Evidence:
    """What is known of one benchmark before judging it."""

    name: str
    threshold: float
    baseline: Summary | None
    current: Summary | None
    estimate: Estimate | None
    only: Literal["base", "candidate"] | None = None


@dataclass(frozen=True)
class Comparison:
    """The verdict on one benchmark, with the evidence and a one-sentence reason."""

    name: str
    verdict: Verdict
    threshold: float
    baseline: Summary | None
    current: Summary | None
    estimate: Estimate | None
    reason: str
    noisy: bool = False
    settle: str = ""

    @property
    def change(self) -> float | None:
        return None if self.estimate is None else self.estimate.ratio - 1.0


def _interval(log_ratio: float, log_se: float, df: float | None) -> tuple[float, float]:
    crit = normal_quantile(0.5 + LEVEL / 2) if df is None else t_quantile(0.5 + LEVEL / 2, df)
    return math.exp(log_ratio - crit * log_se), math.exp(log_ratio + crit * log_se)


def _log_quantile(run: Sequence[float], p: float) -> tuple[float, float]:
    """log of the run's ``p`` quantile and the standard error of that log."""
    ordered = sorted(run)
    value = quantile(ordered, p)
    low, high = quantile_interval(ordered, p, LEVEL)
    z = normal_quantile(0.5 + LEVEL / 2)
    return math.log(value), (math.log(high) - math.log(low)) / (2 * z)


#: What a whole fresh process adds to the log of a benchmark's low quantile: one process
#: runs a few percent fast or slow (memory layout, CPU frequency, the host), and no number
#: of rounds inside it shows that. The prior counts as ``PRIOR_DF`` degrees of freedom
#: beside what the baseline's own processes show (see :func:`process_noise`).
PRIOR_NOISE = 0.03
PRIOR_DF = 4


@dataclass(frozen=True)
class ProcessNoise:
    """The standard deviation of a low quantile's log between fresh processes."""

    sigma: float
    df: float


def process_noise(
    runs_by_benchmark: Iterable[Sequence[Sequence[float]]], p: float = LOW_QUANTILE
) -> ProcessNoise:
    """How far the *fastest* processes of the same code disagree, pooled over the suite.

    Each sequence holds one benchmark's runs of the same code (a baseline measured in
    several processes). Whole processes are slowed far more often than sped up -- one in a
    few comes out 15-100 % slow on a virtual machine -- so the gate compares the fastest
    processes of each side, and the scale that matters is the spread among the fastest:
    each benchmark gives the variance of its two fastest processes' log quantiles, and the
    estimate is the *median* over benchmarks (one wild benchmark does not set the scale for
    all). It is combined with the prior, so that a few processes that happen to agree
    closely do not make the gate trust a single run to a fraction of a percent.
    """
    variances: list[float] = []
    for runs in runs_by_benchmark:
        logs = sorted(math.log(quantile(sorted(run), p)) for run in runs if run)[:2]
        if len(logs) == 2:
            variances.append((logs[1] - logs[0]) ** 2 / 2)
    df = len(variances)
    squares = median(variances) * df if variances else 0.0
    sigma = math.sqrt((squares + PRIOR_DF * PRIOR_NOISE**2) / (df + PRIOR_DF))
    return ProcessNoise(sigma, df + PRIOR_DF)


def _log_low(run: Sequence[float], p: float = LOW_QUANTILE) -> float:
    return math.log(quantile(sorted(run), p))


def fastest_run(runs: Sequence[Sequence[float]], p: float = LOW_QUANTILE) -> Sequence[float]:
    """The process whose low quantile is smallest: the one stored mode compares."""
    return min(runs, key=lambda run: _log_low(run, p))


def spread_of_fastest(runs: Sequence[Sequence[float]], p: float = LOW_QUANTILE) -> float | None:
    """How much slower the second-fastest process was than the fastest (0.05 = 5 %).

    None with fewer than two processes. A baseline whose fastest processes disagree by more
    than half the threshold cannot tell a regression at the boundary from its own noise.
    """
    logs = sorted(_log_low(run, p) for run in runs if run)[:2]
    return math.exp(logs[1] - logs[0]) - 1.0 if len(logs) == 2 else None


def stored_evidence(
    name: str,
    threshold: float,
    baseline_runs: Sequence[Sequence[float]],
    current_runs: Sequence[Sequence[float]],
    noise: ProcessNoise | None = None,
) -> Evidence:
    """Stored-mode evidence whose summaries come from the processes the estimate compares."""
    return Evidence(
        name,
        threshold,
        Summary.of([fastest_run(baseline_runs)]),
        Summary.of([fastest_run(current_runs)]),
        estimate_stored(baseline_runs, current_runs, noise=noise),
    )


def _minimum_factor(n: int) -> float:
    """Variance of the minimum of ``n`` normal draws, in units of one draw's variance."""
    exact = {1: 1.0, 2: 0.682, 3: 0.560, 4: 0.492}
    return exact.get(n, 0.447)


def estimate_stored(
    baseline_runs: Sequence[Sequence[float]],
    current_runs: Sequence[Sequence[float]],
    p: float = LOW_QUANTILE,
    noise: ProcessNoise | None = None,
) -> Estimate:
    """Compare low quantiles of the fastest current run with the fastest baseline run.

    Both sides are their fastest process, so a slow process on either side moves nothing,
    and a slowdown must show in every fresh re-measure before it counts. The uncertainty is
    the spread between the fastest processes (``noise``: pooled over the suite by the
    caller; from the baseline's runs, else the current ones, and the prior when not given),
    scaled for a minimum of each side's processes, plus each run's own order-statistic
    error, with Student's t over the noise estimate's degrees of freedom.
    """
    if noise is None:
        noise = process_noise([baseline_runs] if len(baseline_runs) > 1 else [current_runs], p)
    base = [_log_quantile(run, p) for run in baseline_runs]
    cur = [_log_quantile(run, p) for run in current_runs]
    base_log, base_se = min(base)
    cur_log, cur_se = min(cur)
    spread = _minimum_factor(len(base)) + _minimum_factor(len(cur))
    log_ratio = cur_log - base_log
    log_se = math.sqrt(noise.sigma**2 * spread + base_se**2 + cur_se**2)
    low, high = _interval(log_ratio, log_se, noise.df)
    return Estimate(math.exp(log_ratio), low, high, log_se, noise.df, noise.sigma, "stored")


Block = tuple[Sequence[float], Sequence[float]]


def pair_log_ratio(blocks: Sequence[Block]) -> float:
    """One process pair's log ratio: the median over adjacent blocks of their minima.

    Base and candidate ran their blocks back to back, so a burst of load from a
    neighbour hits one block pair, not the whole comparison; the median drops it.
    """
    return median(math.log(min(cand)) - math.log(min(base)) for base, cand in blocks)


def estimate_ab(pairs: Sequence[Sequence[Block]]) -> Estimate:
    """Compare base and candidate measured interleaved over fresh process pairs.

    Every pair gives one log ratio (:func:`pair_log_ratio`); the interval is Student's
    t over the pairs. A single pair falls back on the spread of its blocks.
    """
    if len(pairs) >= 2:
        logs = [pair_log_ratio(blocks) for blocks in pairs]
        noise: float | None = stdev(logs)
    else:
        logs = [math.log(min(cand)) - math.log(min(base)) for base, cand in pairs[0]]
        noise = None
    if len(logs) < 2:
        raise ValueError("an A/B estimate needs two process pairs or two blocks")
    log_ratio = mean(logs) if noise is not None else median(logs)
    log_se = stdev(logs) / math.sqrt(len(logs))
    df = len(logs) - 1
    low, high = _interval(log_ratio, log_se, df)
    return Estimate(math.exp(log_ratio), low, high, log_se, df, noise, "ab")


#: What would turn an inconclusive verdict into a decision, per mode.
SETTLE = {
    "stored": "an interleaved A/B run against the baseline's commit (piv bench ab --base REF;"
    " stored mode starts one on its own within [tool.piv.bench] escalation_budget)",
    "ab": "more fresh process pairs (piv bench ab --pairs N) or a quieter machine",
}


def _percent(ratio: float) -> str:
    return f"{(ratio - 1) * 100:+.1f}%"


def judge(
    evidence: Sequence[Evidence], alpha: float = 0.05, boundary: float = 0.5
) -> list[Comparison]:
    """One comparison per benchmark, in the order given, false alarms held at ``alpha``.

    A change must clear ``boundary`` times the threshold (half of it by default; a busy
    machine calls for the whole threshold) to count as a regression or an improvement.
    """
    measured = [(e, e.estimate) for e in evidence if e.estimate is not None]
    regress = holm([est.p_above(_bound(e, boundary)) for e, est in measured], alpha)
    improve = holm([est.p_below(1.0 / _bound(e, boundary)) for e, est in measured], alpha)
    flags = {e.name: (r, i) for (e, _), r, i in zip(measured, regress, improve, strict=True)}
    return [_decide(e, *flags.get(e.name, (False, False)), boundary) for e in evidence]


def _bound(e: Evidence, boundary: float) -> float:
    return 1.0 + e.threshold * boundary


def _decide(e: Evidence, regressed: bool, improved: bool, fraction: float) -> Comparison:
    def verdict(kind: Verdict, reason: str, noisy: bool = False) -> Comparison:
        settle = (
            ""
            if kind is not Verdict.INCONCLUSIVE
            else SETTLE[e.estimate.mode if e.estimate else "stored"]
        )
        return Comparison(
            e.name, kind, e.threshold, e.baseline, e.current, e.estimate, reason, noisy, settle
        )

    if e.only == "candidate" or (e.baseline is None and e.only is None):
        return verdict(Verdict.NEW, "no baseline to compare with yet")
    if e.only == "base" or e.current is None or e.estimate is None:
        return verdict(Verdict.MISSING, "in the baseline but not measured in this run")
    est, limit = e.estimate, e.threshold
    shown = f"{_percent(est.ratio)} [{_percent(est.low)}, {_percent(est.high)}]"
    boundary = _bound(e, fraction)
    if regressed:
        return verdict(
            Verdict.REGRESSED,
            f"slower by {shown}, clearing the {_percent(boundary)} boundary "
            f"of the {limit * 100:g}% threshold",
        )
    if improved:
        return verdict(Verdict.IMPROVED, f"faster by {shown}")
    if est.high < 1.0 + limit and est.low > 1.0 / (1.0 + limit):
        return verdict(Verdict.UNCHANGED, f"change {shown} is within ±{limit * 100:g}%")
    half_width = math.log(est.high / est.low) / 2
    # stored mode can only be asked to resolve a change of the threshold's size; A/B, with
    # base and candidate side by side, half of it
    resolution = 1.0 + limit if est.mode == "stored" else boundary
    if half_width > math.log(resolution):
        return verdict(
            Verdict.INCONCLUSIVE,
            f"too noisy to gate: change {shown} is uncertain by more than "
            f"{'the' if est.mode == 'stored' else 'half the'} {limit * 100:g}% threshold",
            noisy=True,
        )
    return verdict(
        Verdict.INCONCLUSIVE,
        f"change {shown} neither clears the {_percent(boundary)} boundary "
        f"nor rules out {limit * 100:g}%",
    )
