"""Missing lines as ranges (``45-52, 67-71``) and partial branches (``16->18``)."""

from __future__ import annotations

from collections.abc import Iterable

from pytest_piv.coverage.model import Arc


def missing_ranges(statements: Iterable[int], missing: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of missing statements; lines that are not statements do not break a run."""
    gone = set(missing)
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    for line in sorted(set(statements)):
        if line in gone:
            if start is None:
                start = line
            end = line
        elif start is not None:
            ranges.append((start, end))
            start = None
    if start is not None:
        ranges.append((start, end))
    return ranges


def consecutive_ranges(lines: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive line numbers: ``[3, 4, 5, 9]`` -> ``[(3, 5), (9, 9)]``."""
    ranges: list[tuple[int, int]] = []
    for line in sorted(set(lines)):
        if ranges and ranges[-1][1] == line - 1:
            ranges[-1] = (ranges[-1][0], line)
        else:
            ranges.append((line, line))
    return ranges


def range_text(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}-{end}"


def arc_text(arc: Arc) -> str:
    """``16->18``; a negative destination leaves the code object: ``16->exit``."""
    source, destination = arc
    return f"{source}->{destination if destination > 0 else 'exit'}"


def missing_text(
    statements: Iterable[int],
    missing: Iterable[int],
    partial_arcs: Iterable[Arc] = (),
    limit: int = 0,
) -> str:
    """Missing ranges then partial branches, at most ``limit`` items (0: no limit)."""
    items = [range_text(a, b) for a, b in missing_ranges(statements, missing)]
    items += [arc_text(arc) for arc in sorted(partial_arcs)]
    if limit and len(items) > limit:
        hidden = len(items) - limit
        items = [*items[:limit], f"… (+{hidden} more)"]
    return ", ".join(items)
