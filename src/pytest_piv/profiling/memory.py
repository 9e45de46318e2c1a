"""Memory profiles: allocation sites by peak and by total bytes, and the budgets' verdicts.

Pure: the records come from the memray backend (:mod:`pytest_piv.profiling.memray_backend`)
as plain :class:`Allocation` rows, so the tables and verdicts are testable without memray.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: an allocation site: (function, file, line) of the frame that allocated
Site = tuple[str, str, int]


@dataclass(frozen=True)
class Allocation:
    """Bytes allocated at one site (``count`` allocations)."""

    site: Site
    size: int
    count: int = 1


@dataclass(frozen=True)
class SiteTotal:
    """One allocation site's bytes, and how many allocations made them."""

    function: str
    file: str
    line: int
    size: int
    count: int


@dataclass(frozen=True)
class MemProfile:
    """What one tracked stretch of code allocated.

    ``peak`` is the highest heap memory seen, ``at_peak`` the sites holding it then,
    ``allocated`` every allocation (total bytes; empty when the capture cannot tell) and
    ``leaked`` the bytes still held when tracking stopped.
    """

    peak: int
    at_peak: tuple[SiteTotal, ...]
    allocated: tuple[SiteTotal, ...]
    leaked: int = 0

    @property
    def total(self) -> int:
        return sum(s.size for s in self.allocated)


def sites(allocations: Iterable[Allocation]) -> tuple[SiteTotal, ...]:
    """Allocations summed per site, most bytes first."""
    size: dict[Site, int] = defaultdict(int)
    count: dict[Site, int] = defaultdict(int)
    for a in allocations:
        size[a.site] += a.size
        count[a.site] += a.count
    rows = [SiteTotal(s[0], s[1], s[2], size[s], count[s]) for s in size]
    rows.sort(key=lambda r: (-r.size, r.function, r.file, r.line))
    return tuple(rows)


def merge(profiles: Iterable[MemProfile]) -> MemProfile:
    """Many captures (one per test) as one table: the highest peak, the largest site
    at any peak, allocations summed, leaks summed."""
    peak = 0
    at_peak: dict[Site, SiteTotal] = {}
    allocated: list[Allocation] = []
    leaked = 0
    for p in profiles:
        peak = max(peak, p.peak)
        leaked += p.leaked
        for s in p.at_peak:
            key = (s.function, s.file, s.line)
            if key not in at_peak or at_peak[key].size < s.size:
                at_peak[key] = s
        allocated.extend(
            Allocation((s.function, s.file, s.line), s.size, s.count) for s in p.allocated
        )
    peaks = sorted(at_peak.values(), key=lambda r: (-r.size, r.function, r.file, r.line))
    return MemProfile(peak, tuple(peaks), sites(allocated), leaked)


@dataclass(frozen=True)
class SiteGrowth:
    """How one allocation site's bytes at the peak moved between two captures."""

    function: str
    file: str
    line: int
    before: int
    after: int

    @property
    def growth(self) -> int:
        return self.after - self.before


def site_diff(before: MemProfile, after: MemProfile) -> list[SiteGrowth]:
    """Allocation sites whose bytes at the peak grew the most first."""

    def table(p: MemProfile) -> Mapping[Site, int]:
        return {(s.function, s.file, s.line): s.size for s in p.at_peak}

    old, new = table(before), table(after)
    rows = [SiteGrowth(s[0], s[1], s[2], old.get(s, 0), new.get(s, 0)) for s in {*old, *new}]
    rows.sort(key=lambda r: (-r.growth, r.function, r.file, r.line))
    return rows
