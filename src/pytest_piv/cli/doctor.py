"""``piv doctor``: check git, plugins, tools, hooks, profiler permissions, store, config."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pytest_piv.cli.context import echo_json, find_root
from pytest_piv.doctor import Context, diagnose


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def doctor_command(ctx: click.Context, as_json: bool) -> int:
    """Check what the gates need and print the fix for each problem (exit 1 on a failure)."""
    root = ctx.find_root().obj or find_root(Path.cwd())
    findings = diagnose(Context(Path(root).resolve(), os.environ))
    if as_json:
        echo_json([f._asdict() for f in findings])
    else:
        for finding in findings:
            click.echo(finding.line())
        fails = sum(f.status == "fail" for f in findings)
        warns = sum(f.status == "warn" for f in findings)
        click.echo(f"piv doctor: {fails} problem(s), {warns} warning(s)")
    return 1 if any(f.status == "fail" for f in findings) else 0
