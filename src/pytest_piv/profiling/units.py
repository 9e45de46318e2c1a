"""Sizes and durations as reports show them: ``"12.3 MB"``, ``"12.3 ms"``.

(They are read from settings by :mod:`pytest_piv.values`.)
"""

from __future__ import annotations


def format_bytes(size: float) -> str:
    """``12_345_678`` -> ``"12.3 MB"`` (decimal units, as budgets are usually written)."""
    for unit, factor in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if abs(size) >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{int(size)} B"


def format_seconds(seconds: float) -> str:
    """``0.0123`` -> ``"12.3 ms"``, ``1.5`` -> ``"1.50 s"``."""
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"
