"""``piv status``: the phase of the last run, pending reds and the violations still open."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import click

from pytest_piv.cli.context import echo_json, echo_line, open_store, project_config
from pytest_piv.store import ledger


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> int:
    """Show the current RGR phase, the tests waiting to turn green and open violations."""
    piv = project_config(ctx)
    with contextlib.closing(open_store(piv)) as conn:
        runs = ledger.recent_runs(conn, 1)
        reds = ledger.pending_reds(conn)
        violations = ledger.open_violations(conn)
    last = runs[0] if runs else None
    if as_json:
        echo_json(
            {
                "phase": last.phase if last else None,
                "headline": last.headline if last else None,
                "last_run": last.id if last else None,
                "pending_reds": [{"nodeid": n, "red_kind": k} for n, k in reds],
                "open_violations": [
                    {"run": v.run_id, "nodeid": v.nodeid, "message": v.message} for v in violations
                ],
            }
        )
        return 0
    if last is None:
        click.echo("piv: no run recorded yet (hint: run `pytest --piv`)")
        return 0
    echo_line(f"piv: {last.phase} — {last.headline}  (run {last.id}, {last.status})")
    if reds:
        click.echo(f"pending reds ({len(reds)}):")
        for nodeid, kind in reds:
            echo_line(f"  {nodeid}  [{kind}]")
    if violations:
        click.echo(f"open violations ({len(violations)}):")
        for v in violations:
            echo_line(f"  run {v.run_id}: {v.message}" if v.run_id else f"  {v.message}")
    echo_line(features_link(piv.root))
    return 0


def features_link(root: Path) -> str:
    """Where the progress by feature is: the features file's tally, or the command."""
    try:
        features = json.loads((root / "features.json").read_text(encoding="utf-8"))
        done = sum(1 for f in features if f.get("passes") is True)
        return f"features: {done}/{len(features)} pass (features.json; details: `piv progress`)"
    except (OSError, ValueError, AttributeError, TypeError):
        return "progress by feature: `piv progress`"
