"""``piv config show``: the resolved configuration and where each value came from."""

from __future__ import annotations

import click

from pytest_piv.cli.context import echo_json, project_config


@click.group("config")
def config_group() -> None:
    """The resolved configuration."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def show_command(ctx: click.Context, as_json: bool) -> int:
    """Print every key, its value and its origin (default, pyproject.toml, env, flag)."""
    piv = project_config(ctx)
    values = piv.values()
    if as_json:
        echo_json(
            {k: {"value": v, "origin": piv.origins.get(k, "default")} for k, v in values.items()}
        )
        return 0
    width = max(len(k) for k in values)
    for key, value in values.items():
        click.echo(f"{key:<{width}}  {value!r:<40}  ({piv.origins.get(key, 'default')})")
    return 0
