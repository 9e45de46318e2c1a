"""Gather the evidence for one coverage verdict: data, baseline, diff; then judge.

The pytest plugin (with the run's data) and ``piv coverage check`` (with data files)
both call :func:`evaluate`, so they reach the same verdict for the same reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from coverage import Coverage, CoverageData
from coverage.exceptions import CoverageException

from pytest_piv.config import PivConfig
from pytest_piv.coverage.changes import changed_lines, merge_base, resolve_base
from pytest_piv.coverage.diff import DiffVerdict, judge_diff
from pytest_piv.coverage.gate import CoverageVerdict, Scope, judge
from pytest_piv.coverage.measured import (
    CoverageDataError,
    Measurement,
    analyse,
    coverage_for,
    nothing_judged,
    unjudgeable,
)
from pytest_piv.coverage.model import FileCoverage
from pytest_piv.coverage.ratchet import BaselineEntry, loads_baseline
from pytest_piv.coverage.static import FactsCache, ParseSettings, parse_facts
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
    piv: PivConfig,
    files: tuple[FileCoverage, ...],
    env: Mapping[str, str],
    parse: ParseSettings | None = None,
) -> DiffVerdict | None:
    """Diff coverage when asked for; a base that was named but cannot be used raises.

    A changed source file that no test imported counts with all its changed statements
    not run (parsed as coverage.py would, with ``parse``); one that cannot be parsed
    raises :class:`CoverageDataError` naming it.
    """
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
    measured = {f.path for f in files}
    unmeasured = [p for p in sorted(sources) if p.endswith(".py") and p not in measured]
    statements = _statements(piv.root, unmeasured, parse, ref)
    label = f"{ref} ({base[:10]})"
    return judge_diff(sources, files, settings.diff_fail_under, label, statements)


def _statements(
    root: Path, paths: Sequence[str], parse: ParseSettings | None, ref: str
) -> dict[str, frozenset[int]]:
    """The statements of files the run did not measure, as coverage.py parses them."""
    if not paths:
        return {}
    settings = parse or ParseSettings.of(coverage_for(root))
    out: dict[str, frozenset[int]] = {}
    for path in paths:
        try:
            facts = parse_facts(str(root / path), settings, with_arcs=False)
        except (CoverageException, OSError, SyntaxError, ValueError) as exc:
            raise CoverageDataError(
                f"{path} changed since {ref} but does not parse as Python, so its diff "
                f"coverage cannot be judged ({exc})"
            ) from None
        out[path] = facts.statements - facts.excluded
    return out


def evaluate(
    piv: PivConfig,
    measurement: Measurement,
    *,
    scope: Scope,
    env: Mapping[str, str],
    reached: frozenset[str] | None = None,
) -> CoverageVerdict:
    """The verdict of the coverage gate over one measurement.

    Raises :class:`CoverageDataError` when a measured file cannot be judged, and, for the
    whole suite, when no file can: either would otherwise pass unseen.
    """
    problem = unjudgeable(measurement)
    if problem is None and scope == "whole":  # a subset may import no source at all
        problem = nothing_judged(measurement, piv.root)
    if problem is not None:
        raise CoverageDataError(problem)
    baseline, baseline_note = read_baseline(piv)
    diff = diff_coverage(piv, measurement.files, env, measurement.parse_settings)
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
    return replace(verdict, notes=tuple(notes))


def default_data_files(root: Path, cov: Coverage) -> list[Path]:
    """coverage.py's data file, or its parallel shards when only those exist."""
    name = str(cov.get_option("run:data_file") or ".coverage")
    main = Path(name) if Path(name).is_absolute() else root / name
    if main.is_file():
        return [main]
    return sorted(p for p in main.parent.glob(main.name + ".*") if p.is_file())
