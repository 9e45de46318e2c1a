"""``piv coverage``: judge existing coverage data, write the ratchet baseline, list files.

``piv coverage check [DATA ...]`` reaches exactly the plugin's verdict (same rules, same
exact fractions) from one data file or several CI shards combined with path remapping.
Exit codes: 0 passed, 1 the gate failed (or a baseline update would lower a floor),
2 usage or configuration error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path

import click

from pytest_piv.cli.context import check_reason, project_config
from pytest_piv.config import PivConfig
from pytest_piv.coverage.check import default_data_files, evaluate, measure_source
from pytest_piv.coverage.measured import (
    CoverageDataError,
    Measurement,
    aliases_for,
    coverage_for,
    read_data,
)
from pytest_piv.coverage.model import Ratio
from pytest_piv.coverage.percent import show_percent
from pytest_piv.coverage.ratchet import (
    Baseline,
    BaselineError,
    dumps_baseline,
    loads_baseline,
    update_baseline,
)
from pytest_piv.coverage.rules import assign
from pytest_piv.errors import UsageError
from pytest_piv.paths import glob_problem
from pytest_piv.report import coverage as report
from pytest_piv.report.text import printable
from pytest_piv.store.coverage_cache import open_facts_cache

DATA_ARG = click.argument(
    "data", nargs=-1, type=click.Path(dir_okay=False, path_type=Path), metavar="[DATA]..."
)
REMAP_OPT = click.option(
    "--remap",
    "remaps",
    multiple=True,
    metavar="CANONICAL=PATTERN",
    help="map paths recorded elsewhere (a CI shard) onto this checkout, e.g. "
    "'src/=/home/runner/work/*/src/'; repeatable; adds to [tool.piv.coverage] paths",
)


def _echo(text: str, markup: dict[str, bool] | None = None) -> None:
    colour = None if not os.environ.get("NO_COLOR") else False
    fg = (
        "red"
        if markup and markup.get("red")
        else "green"
        if markup and markup.get("green")
        else None
    )
    bold = bool(markup and markup.get("bold"))
    click.secho(text, fg=fg, bold=bold, color=colour)


def _config(ctx: click.Context, flags: dict[str, object]) -> PivConfig:
    return project_config(ctx, flags)


def _remaps(values: Sequence[str]) -> list[tuple[str, list[str]]]:
    out = []
    for value in values:
        canonical, sep, pattern = value.partition("=")
        if not sep or not canonical or not pattern:
            raise UsageError(f"--remap {value!r}: expected CANONICAL=PATTERN")
        problem = glob_problem(pattern)
        if problem:
            raise UsageError(f"--remap {value!r}: expected a valid PATTERN ({problem})")
        out.append((canonical, [pattern]))
    return out


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _measurement(piv: PivConfig, data: Sequence[Path], remaps: Sequence[str]) -> Measurement:
    extra = _remaps(remaps)
    cov = coverage_for(piv.root)
    files = [p if p.is_absolute() else Path.cwd() / p for p in data]
    files = files or default_data_files(piv.root, cov)
    if not files:
        raise UsageError(
            "no coverage data file here (hint: run `pytest --piv`, or pass DATA files)"
        )
    pairs = [(c, list(a)) for c, a in piv.coverage.paths] + extra
    aliases = aliases_for(cov, piv.root, pairs)
    combined = read_data(files, aliases)
    if not combined.measured_files():
        names = ", ".join(_shown(p, piv.root) for p in files)
        raise CoverageDataError(
            f"{names} holds no measured file, so nothing can be judged (coverage.py: No data "
            "to report) (hint: run `pytest --piv` to measure, or pass the right DATA file)"
        )
    cache = open_facts_cache(piv.db)
    try:
        return measure_source(piv, combined, cov, cache=cache, workers=os.cpu_count() or 1)
    finally:
        if cache is not None:
            cache.close()


@click.group("coverage")
def coverage_group() -> None:
    """Per-module coverage thresholds, the ratchet baseline and diff coverage."""


@coverage_group.command("check")
@DATA_ARG
@REMAP_OPT
@click.option("--json", "as_json", is_flag=True, help="print the verdict as JSON")
@click.option("--markdown", is_flag=True, help="print the verdict as Markdown")
@click.option("--fail-under", default=None, metavar="PERCENT", help="the default minimum")
@click.option("--diff-base", default=None, metavar="REF", help="diff coverage against REF")
@click.option("--diff-fail-under", default=None, metavar="PERCENT", help="diff minimum")
@click.pass_context
def check_command(
    ctx: click.Context,
    data: tuple[Path, ...],
    remaps: tuple[str, ...],
    as_json: bool,
    markdown: bool,
    fail_under: str | None,
    diff_base: str | None,
    diff_fail_under: str | None,
) -> int:
    """Judge coverage data files with the rules in [tool.piv.coverage].

    DATA defaults to coverage.py's data file (.coverage), or its parallel shards.
    """
    piv = _config(
        ctx,
        {
            "piv_cov_fail_under": fail_under,
            "piv_diff_base": diff_base,
            "piv_diff_fail_under": diff_fail_under,
        },
    )
    if not piv.coverage.enabled:
        raise UsageError(
            "no coverage rules are configured (hint: add [tool.piv.coverage] fail_under = 80 "
            "to pyproject.toml, or pass --fail-under)"
        )
    measurement = _measurement(piv, data, remaps)
    verdict = evaluate(piv, measurement, scope="whole", env=os.environ)
    if as_json:
        click.echo(json.dumps(report.to_json(verdict, piv.coverage), indent=2, sort_keys=True))
    elif markdown:
        click.echo(report.to_markdown(verdict, piv.coverage), nl=False)
    else:
        for line in report.terminal_lines(verdict, piv.coverage):
            _echo(line.text, line.markup)
        outcome = report.outcome_line(verdict, tests_failed=False)
        _echo(outcome.text.replace("; the tests themselves passed", ""), outcome.markup)
    return 1 if verdict.failed else 0


@coverage_group.command("baseline")
@DATA_ARG
@REMAP_OPT
@click.option("--allow-lower", is_flag=True, help="allow floors to go down (needs --reason)")
@click.option("--reason", default=None, help="why floors go down; kept in the baseline file")
@click.pass_context
def baseline_command(
    ctx: click.Context,
    data: tuple[Path, ...],
    remaps: tuple[str, ...],
    allow_lower: bool,
    reason: str | None,
) -> int:
    """Write the ratchet baseline (per-group missed lines) from coverage data.

    Floors only rise: a group with more missed lines than its baseline is refused unless
    --allow-lower --reason TEXT is given; the reason is kept in the file.
    """
    if allow_lower and not (reason and reason.strip()):
        raise UsageError("--allow-lower needs --reason TEXT, which the baseline file keeps")
    if reason is not None:
        reason = check_reason(reason)
    piv = _config(ctx, {})
    measurement = _measurement(piv, data, remaps)
    groups = assign(measurement.files, piv.coverage)
    current = {g.rule.name: sum((f.lines for f in g.files), start=Ratio(0, 0)) for g in groups}
    if not piv.coverage.rules and not measurement.files:
        raise UsageError("the coverage data holds no source file of this project")
    path = piv.root / piv.coverage.baseline
    old: Baseline | None = None
    if path.is_file():
        old = loads_baseline(path.read_text(encoding="utf-8"), piv.coverage.baseline)
    try:
        new = update_baseline(
            old,
            current,
            allow_lower=allow_lower,
            reason=reason,
            date=dt.datetime.now(dt.UTC).date().isoformat(),
        )
    except BaselineError as exc:
        _echo(f"piv: {exc}", {"red": True})
        return 1
    try:
        path.write_text(dumps_baseline(new), encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"[tool.piv.coverage] baseline = {piv.coverage.baseline!r}: cannot write it "
            f"({exc.strerror})"
        ) from None
    click.echo(f"piv: wrote {piv.coverage.baseline} ({len(new.groups)} groups)")
    return 0


@coverage_group.command("files")
@DATA_ARG
@REMAP_OPT
@click.pass_context
def files_command(ctx: click.Context, data: tuple[Path, ...], remaps: tuple[str, ...]) -> int:
    """List the measured source files with the rule that judges each."""
    piv = _config(ctx, {})
    measurement = _measurement(piv, data, remaps)
    for group in assign(measurement.files, piv.coverage, every_rule_must_match=False):
        for file in group.files:
            percent = show_percent(file.lines.percent)
            cells = (file.path, group.rule.name, f"{percent} %")
            click.echo("\t".join(printable(cell) for cell in cells))
    return 0
