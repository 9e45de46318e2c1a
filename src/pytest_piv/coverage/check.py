"""Gather the evidence for one coverage verdict: data, baseline, diff; then judge.

The pytest plugin (with the run's data) and ``piv coverage check`` (with data files)
both call :func:`evaluate`, so they reach the same verdict for the same reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from coverage import Coverage, CoverageData

from pytest_piv.config import PivConfig
from pytest_piv.coverage.changes import changed_lines, merge_base, resolve_base
from pytest_piv.coverage.diff import DiffVerdict, judge_diff
from pytest_piv.coverage.gate import CoverageVerdict, Scope, judge
from pytest_piv.coverage.measured import Measurement, analyse
from pytest_piv.coverage.model import FileCoverage
from pytest_piv.coverage.ratchet import BaselineEntry, loads_baseline
from pytest_piv.coverage.static import FactsCache
from pytest_piv.errors import VcsError


def measure_source(
    piv: PivConfig,
    data: CoverageData,
    cov: Coverage,
    *,
    cache: FactsCache | None = None,
    workers: int = 1,
) -> Measurement:
    """The project's source files in ``data`` (tests and excluded paths left out)."""
    roles = piv.roles
    return analyse(
        data,
        cov,
        piv.root,
        keep=lambda path: roles.role(path) == "source",
        cache=cache,
        workers=workers,
        c_tokens=piv.coverage.parser == "c-tokens",
    )


def read_baseline(piv: PivConfig) -> tuple[Mapping[str, BaselineEntry] | None, str | None]:
    """The ratchet baseline's groups, or a note saying why there is none."""
    if not piv.coverage.ratchet:
        return None, None
    path = piv.root / piv.coverage.baseline
    if not path.is_file():
        return None, (
            f"ratchet: no baseline at {piv.coverage.baseline} yet "
            "(piv coverage baseline writes one)"
        )
    return loads_baseline(path.read_text(encoding="utf-8"), piv.coverage.baseline).groups, None


def diff_coverage(
    piv: PivConfig, files: tuple[FileCoverage, ...], env: Mapping[str, str]
) -> DiffVerdict | None:
    """Diff coverage when asked for; a base that was named but cannot be used raises."""
    settings = piv.coverage
    if settings.diff_fail_under is None and settings.diff_base is None:
        return None
    ref = resolve_base(piv.root, settings.diff_base, env)
    if ref is None:
        return DiffVerdict(
            base="-",
            skipped="no diff base (pass --piv-diff-base REF, set diff_base, or give the "
            "branch an upstream)",
        )
    try:
        base = merge_base(piv.root, ref)
        changed = changed_lines(piv.root, base)
    except VcsError:
        if settings.diff_fail_under is not None:
            raise
        return DiffVerdict(base=ref, skipped="the base cannot be used")
    roles = piv.roles
    sources = {p: lines for p, lines in changed.items() if roles.role(p) == "source"}
    return judge_diff(sources, files, settings.diff_fail_under, f"{ref} ({base[:10]})")


def evaluate(
    piv: PivConfig,
    measurement: Measurement,
    *,
    scope: Scope,
    env: Mapping[str, str],
    reached: frozenset[str] | None = None,
) -> CoverageVerdict:
    """The verdict of the coverage gate over one measurement."""
    baseline, baseline_note = read_baseline(piv)
    diff = diff_coverage(piv, measurement.files, env)
    verdict = judge(
        measurement.files,
        piv.coverage,
        has_branches=measurement.has_branches,
        scope=scope,
        baseline=baseline,
        diff=diff,
        reached=reached,
    )
    notes = list(verdict.notes)
    if baseline_note:
        notes.append(baseline_note)
    if measurement.unreadable:
        shown = ", ".join(measurement.unreadable[:5])
        more = len(measurement.unreadable) - 5
        notes.append(
            f"{len(measurement.unreadable)} measured files could not be read and were not "
            f"judged: {shown}" + (f" and {more} more" if more > 0 else "")
        )
    return replace(verdict, notes=tuple(notes))


def default_data_files(root: Path, cov: Coverage) -> list[Path]:
    """coverage.py's data file, or its parallel shards when only those exist."""
    name = str(cov.get_option("run:data_file") or ".coverage")
    main = Path(name) if Path(name).is_absolute() else root / name
    if main.is_file():
        return [main]
    return sorted(p for p in main.parent.glob(main.name + ".*") if p.is_file())
