"""Sizes and durations as users write them: ``"100 MB"``, ``"20MiB"``, ``"0.3 s"``, ``"300ms"``."""

from __future__ import annotations

import re

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
