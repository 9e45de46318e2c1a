"""The evidence the coverage gate judges: per-file lines and branches, and exact ratios."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

Arc = tuple[int, int]


@dataclass(frozen=True)
class Ratio:
    """``covered`` of ``total``; compared exactly, never through a rounded percentage."""

    covered: int
    total: int

    @property
    def missed(self) -> int:
        return self.total - self.covered

    @property
    def percent(self) -> Fraction:
        """The exact percentage; nothing to cover counts as 100 %, as in coverage.py."""
        if self.total == 0:
            return Fraction(100)
        return Fraction(self.covered * 100, self.total)

    def meets(self, minimum: Fraction) -> bool:
        """``covered * 100 >= minimum * total``, in integers and fractions only."""
        return self.covered * 100 >= minimum * self.total

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.covered + other.covered, self.total + other.total)


@dataclass(frozen=True)
class FileCoverage:
    """What one run measured of one source file.

    ``path`` is ``/``-separated and relative to the project root; ``missing_arcs`` are the
    branch exits never taken (a negative destination is an exit from the code object).
    """

    path: str
    statements: frozenset[int]
    missing: frozenset[int]
    branches: int = 0
    missing_arcs: tuple[Arc, ...] = ()

    @property
    def lines(self) -> Ratio:
        return Ratio(len(self.statements) - len(self.missing), len(self.statements))

    @property
    def branch_ratio(self) -> Ratio:
        return Ratio(self.branches - len(self.missing_arcs), self.branches)

    @property
    def executed(self) -> frozenset[int]:
        return self.statements - self.missing

    @property
    def partial_arcs(self) -> tuple[Arc, ...]:
        """Missing branch exits whose source line did run: the partial branches."""
        return tuple(arc for arc in self.missing_arcs if arc[0] not in self.missing)

    @property
    def was_executed(self) -> bool:
        return len(self.missing) < len(self.statements)
