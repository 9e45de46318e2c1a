"""``piv state reset``: move the store aside as a backup and start fresh."""

from __future__ import annotations

import click

from pytest_piv.cli.context import project_config
from pytest_piv.store import reset


@click.group("state")
def state_group() -> None:
    """The evidence store."""


@state_group.command("reset")
@click.pass_context
def reset_command(ctx: click.Context) -> int:
    """Move .piv/piv.db aside (kept as a backup) so the next run starts a new store."""
    piv = project_config(ctx)
    backup = reset(piv.db)
    if backup is None:
        click.echo(f"piv: no store at {piv.db}; nothing to reset")
    else:
        click.echo(f"piv: moved {piv.db} to {backup}; the next `pytest --piv` starts afresh")
    return 0
