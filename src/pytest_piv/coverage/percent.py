"""Percentages shown with just enough decimals that the verdict stays visible.

A display is truncated, never rounded up, so ``79.995 %`` against ``80 %`` reads
``79.99 %``, and more decimals are shown while the shown value would otherwise contradict
the exact verdict (``80.004 %`` against ``80.004 %`` reads ``80.004 %``, not ``80.00 %``).
"""

from __future__ import annotations

import math
from fractions import Fraction

MIN_DECIMALS = 2
MAX_DECIMALS = 8


def _truncate(value: Fraction, decimals: int) -> Fraction:
    scale = 10**decimals
    return Fraction(math.trunc(value * scale), scale)


def _text(value: Fraction, decimals: int) -> str:
    sign = "-" if value < 0 else ""
    scaled = abs(math.trunc(value * 10**decimals))
    whole, frac = divmod(scaled, 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"


def show_percent(value: Fraction, against: Fraction | None = None) -> str:
    """``value`` with 2 decimals, or more when needed to agree with ``value >= against``."""
    decimals = MIN_DECIMALS
    if against is not None:
        decimals = max(decimals, _decimals_of(against))
        meets = value >= against
        while decimals < MAX_DECIMALS and (_truncate(value, decimals) >= against) != meets:
            decimals += 1
    return _text(value, decimals)


def _decimals_of(value: Fraction) -> int:
    """How many decimals ``value`` needs to be written exactly (at most ``MAX_DECIMALS``)."""
    for decimals in range(MAX_DECIMALS + 1):
        if _truncate(value, decimals) == value:
            return decimals
    return MAX_DECIMALS


def show_minimum(minimum: Fraction) -> str:
    """A minimum as the user wrote it: ``80``, ``79.995``."""
    return _text(minimum, _decimals_of(minimum))


def show_margin(value: Fraction, minimum: Fraction) -> str:
    """``value - minimum`` signed, with enough decimals that a non-zero margin shows."""
    margin = value - minimum
    decimals = MIN_DECIMALS
    while decimals < MAX_DECIMALS and margin != 0 and _truncate(margin, decimals) == 0:
        decimals += 1
    text = _text(margin, decimals)
    if margin < 0 and not text.startswith("-"):
        text = "-" + text
    return text if margin < 0 else "+" + text
