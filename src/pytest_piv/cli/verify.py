"""``piv verify``: Red-Green-Refactor proven from the commits of a range."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pytest_piv.cli.context import project_config
from pytest_piv.history.replay import VerifySettings, verify
from pytest_piv.report.verify import terminal_lines, to_json, to_markdown

DEFAULT_CACHE = "verify-cache.db"


@click.command("verify")
@click.argument("range_spec", metavar="[RANGE]", required=False)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--markdown", is_flag=True, help="Markdown (for a CI job summary)")
@click.option(
    "-n",
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="pytest-xdist workers per replayed run",
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the verify cache file (default: verify-cache.db beside the store)",
)
@click.option("--no-cache", is_flag=True, help="replay every run, read and write no cache")
@click.option(
    "--timeout",
    type=click.FloatRange(1, 86400),
    default=1800.0,
    show_default=True,
    help="seconds one replayed run may take",
)
@click.option("--no-rerun", is_flag=True, help="do not run proofs again to detect flaky tests")
@click.pass_context
def verify_command(
    ctx: click.Context,
    range_spec: str | None,
    as_json: bool,
    markdown: bool,
    jobs: int,
    cache_path: Path | None,
    no_cache: bool,
    timeout: float,
    no_rerun: bool,
) -> int:
    """Replay RANGE (BASE..HEAD; default: merge-base with the default branch..HEAD) commit
    by commit with `pytest --piv` in a worktree, and check Red-Green-Refactor.

    Exit 1 when a rule is broken (0 with `[tool.piv.rgr] mode = "warn"`), 2 on a bad range.
    """
    piv = project_config(ctx)
    cache = None if no_cache else (cache_path or piv.db.parent / DEFAULT_CACHE)
    settings = VerifySettings(jobs=jobs, run_budget_s=timeout, cache=cache, rerun=not no_rerun)
    quiet = as_json or markdown
    report = verify(
        piv.root,
        piv,
        range_spec,
        settings,
        progress=(lambda _: None)
        if quiet
        else (lambda s: click.echo(f"piv verify: {s}", err=True)),
    )
    spec = range_spec or "merge-base..HEAD"
    if as_json:
        click.echo(json.dumps(to_json(report, spec), indent=2, sort_keys=True))
    elif markdown:
        click.echo(to_markdown(report, spec), nl=False)
    else:
        for line in terminal_lines(report, spec):
            click.echo(line)
    if report.ok or piv.rgr.mode != "enforce":
        return 0
    return 1
