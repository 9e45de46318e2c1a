"""``[tool.piv.bench]``: what the benchmark gate is told, parsed and validated once.

Every key also accepts a string (as it arrives from a ``PIV_BENCH_*`` variable or a flag),
so the same parser serves ``pyproject.toml``, the environment and the command line.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

from pytest_piv.errors import ConfigError
from pytest_piv.values import format_percent, int_between, parse_flag, percent_between

BenchMode = Literal["enforce", "warn", "off"]
Inconclusive = Literal["fail", "pass"]


class BenchSettings(NamedTuple):
    """How benchmarks are gated.

    ``mode`` is ``enforce`` (a regression fails the run), ``warn`` (reported only) or
    ``off``. ``inconclusive`` says whether a benchmark left undecided fails the run
    (``enforce`` mode only); ``escalation_budget`` is how many seconds stored mode may
    spend on an interleaved A/B measurement of the benchmarks it could not decide.
    ``threshold`` is the smallest slowdown that must be caught (0.10 means +10 %); a
    benchmark is only called regressed when its change clears ``threshold / 2`` with
    the suite-wide false-alarm rate held at ``alpha``.
    """

    mode: BenchMode = "enforce"
    threshold: float = 0.10
    machine: str | None = None
    thresholds: tuple[tuple[str, float], ...] = ()
    alpha: float = 0.05
    remeasure: bool = True
    pairs: int = 5
    baseline_processes: int = 3
    inconclusive: Inconclusive = "pass"
    escalation_budget: float = 60.0

    def threshold_for(self, name: str, marker: float | None = None) -> float:
        """The threshold of one benchmark: marker, else first matching pattern, else default."""
        if marker is not None:
            return marker
        for pattern, value in self.thresholds:
            if fnmatch.fnmatchcase(name, pattern):
                return value
        return self.threshold

    def values(self) -> dict[str, object]:
        """Every key with its resolved value, for ``piv config show``."""
        return {
            "bench.mode": self.mode,
            "bench.threshold": format_percent(self.threshold),
            "bench.machine": self.machine,
            "bench.thresholds": {p: format_percent(v) for p, v in self.thresholds},
            "bench.alpha": self.alpha,
            "bench.remeasure": self.remeasure,
            "bench.pairs": self.pairs,
            "bench.baseline_processes": self.baseline_processes,
            "bench.inconclusive": self.inconclusive,
            "bench.escalation_budget": self.escalation_budget,
        }


#: a benchmark threshold: more than 0 %, less than 1000 %
parse_percent = percent_between(0.0, 10.0, above_low=True, below_high=True)


def _machine(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise ValueError(value)
    return value.strip()


def _alpha(value: object) -> float:
    number = float(value) if isinstance(value, str | int | float) else None
    if number is None or isinstance(value, bool) or not 0 < number < 0.5:
        raise ValueError(value)
    return number


def _inconclusive(value: object) -> str:
    if not isinstance(value, str) or value.lower() not in {"fail", "pass"}:
        raise ValueError(value)
    return value.lower()


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(value)
    number = float(value)
    if not 0 <= number <= 3600:
        raise ValueError(value)
    return number


def _mode(value: object) -> str:
    if not isinstance(value, str) or value.lower() not in {"enforce", "warn", "off"}:
        raise ValueError(value)
    return value.lower()


_KEYS: dict[str, tuple[Callable[[object], object], str]] = {
    "mode": (_mode, 'one of "enforce", "warn", "off"'),
    "threshold": (parse_percent, 'a percentage string such as "10%"'),
    "machine": (_machine, "a non-empty one-line name for this machine"),
    "alpha": (_alpha, "a number between 0 and 0.5, such as 0.05"),
    "remeasure": (parse_flag, "true or false"),
    "pairs": (int_between(2, 100), "a whole number of process pairs from 2 to 100"),
    "baseline_processes": (int_between(1, 20), "a whole number of processes from 1 to 20"),
    "inconclusive": (_inconclusive, 'one of "fail", "pass"'),
    "escalation_budget": (_seconds, "a number of seconds from 0 (no escalation) to 3600"),
}


def parse_bench_table(table: Mapping[str, object], origin: str) -> BenchSettings:
    """Validate ``[tool.piv.bench]`` (or its env/flag equivalents) into settings."""
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key == "thresholds":
            changes[key] = _parse_thresholds(value, origin)
            continue
        if key not in _KEYS:
            known = ", ".join(sorted([*_KEYS, "thresholds"]))
            raise ConfigError(f"[tool.piv.bench] {key}", value, f"one of the keys {known}", origin)
        parse, expected = _KEYS[key]
        try:
            changes[key] = parse(value)
        except (ValueError, TypeError):
            raise ConfigError(f"[tool.piv.bench] {key}", value, expected, origin) from None
    return BenchSettings()._replace(**changes)


def _parse_thresholds(value: object, origin: str) -> tuple[tuple[str, float], ...]:
    expected = 'a table of benchmark-name globs to percentages, such as {"*slow*" = "25%"}'
    if not isinstance(value, Mapping):
        raise ConfigError("[tool.piv.bench] thresholds", value, expected, origin)
    parsed: list[tuple[str, float]] = []
    for pattern, percent in value.items():
        try:
            parsed.append((str(pattern), parse_percent(percent)))
        except ValueError:
            raise ConfigError(
                f"[tool.piv.bench.thresholds] {pattern}",
                percent,
                'a percentage such as "25%"',
                origin,
            ) from None
    return tuple(parsed)


def parse_marker_threshold(value: object, where: str) -> float:
    """The ``threshold`` of ``@pytest.mark.piv_bench(threshold="20%")``."""
    try:
        return parse_percent(value)
    except ValueError:
        raise ConfigError(
            "piv_bench(threshold=...)", value, 'a percentage string such as "20%"', where
        ) from None
