"""``piv log``: the recent runs."""

from __future__ import annotations

import contextlib
import time

import click

from pytest_piv.cli.context import MAX_COUNT, echo_json, echo_line, open_store, project_config
from pytest_piv.report.scope import scope_text
from pytest_piv.store import ledger


@click.command("log")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(1, MAX_COUNT))
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def log_command(ctx: click.Context, limit: int, as_json: bool) -> int:
    """List the recent `pytest --piv` runs, newest first."""
    piv = project_config(ctx)
    with contextlib.closing(open_store(piv)) as conn:
        runs = ledger.recent_runs(conn, limit)
    if as_json:
        echo_json([run._asdict() for run in runs])
        return 0
    for run in runs:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
        scope = scope_text(run.scope, run.scope_detail)
        head = (run.head or "-")[:10]
        phase = run.phase or "-"
        if run.violations and run.phase != "VIOLATION":
            phase += f" +{run.violations} violation" + ("" if run.violations == 1 else "s")
        echo_line(
            f"run {run.id:>4}  {when}  {run.status:<10} {run.tests:>5} tests  {scope}  "
            f"HEAD {head}  {phase}"
        )
    if not runs:
        click.echo("piv: no run recorded yet (hint: run `pytest --piv`)")
    return 0
