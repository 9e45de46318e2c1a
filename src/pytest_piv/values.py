"""Parsers of setting values that several settings tables share, and counted nouns (pure).

A flag, a percentage, a bounded count, a size or a duration reads the same in
``[tool.piv]``, ``[tool.piv.bench]`` and ``[tool.piv.profile]``, whether it comes from
TOML, an environment variable or a command-line flag. Each parser raises ``ValueError``;
the table that calls it names the key and the expected form.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: ``"10%"``, ``" 2.5 % "``: a percentage as settings write it
PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b)\s*$", re.IGNORECASE)
_SIZE_FACTORS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|ms)\s*$", re.IGNORECASE)


def parse_flag(value: object) -> bool:
    """``true``/``false`` (TOML), or ``1``/``0``, ``yes``/``no``, ``on``/``off`` in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ValueError(value)


def parse_percent(value: object) -> float:
    """``"10%"`` -> ``0.1``; anything else (a bare number included) is a ``ValueError``."""
    match = PERCENT.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(value)
    return float(match.group(1)) / 100


def percent_between(
    low: float, high: float, *, above_low: bool = False, below_high: bool = False
) -> Callable[[object], float]:
    """A parser of percentages whose fraction lies in ``[low, high]`` (``above_low`` and
    ``below_high`` leave out the ends)."""

    def parse(value: object) -> float:
        fraction = parse_percent(value)
        if fraction < low or fraction > high:
            raise ValueError(value)
        if (above_low and fraction == low) or (below_high and fraction == high):
            raise ValueError(value)
        return fraction

    return parse


def format_percent(fraction: float) -> str:
    """``0.1`` -> ``"10%"``; ``0.125`` -> ``"12.5%"``."""
    return f"{fraction * 100:g}%"


def int_between(low: int, high: int) -> Callable[[object], int]:
    """A parser of whole numbers from ``low`` to ``high`` (a TOML int or its text)."""

    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(value)
        number = int(value)
        if not low <= number <= high:
            raise ValueError(value)
        return number

    return parse


def parse_bytes(value: object) -> int:
    """``"100 MB"`` -> 100_000_000, ``"20 MiB"`` -> 20_971_520; a bare int is bytes."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(value)
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    match = _SIZE.match(value)
    if match is None or match.group(2).lower() not in _SIZE_FACTORS:
        raise ValueError(value)
    number = round(float(match.group(1)) * _SIZE_FACTORS[match.group(2).lower()])
    if number <= 0:
        raise ValueError(value)
    return number


def parse_seconds(value: object) -> float:
    """``"0.3 s"`` -> 0.3, ``"300 ms"`` -> 0.3; a bare number is seconds."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError(value)
        number = float(match.group(1)) / (1000 if match.group(2).lower() == "ms" else 1)
    else:
        raise ValueError(value)
    if number <= 0:
        raise ValueError(value)
    return number


def counted(n: int, word: str) -> str:
    """``1 finding``, ``2 findings``: a count and its noun (plural with an ``s``)."""
    return f"{n} {word}{'' if n == 1 else 's'}"
