"""``piv progress``: each feature's passing, failing and not-run tests, from the ledger."""

from __future__ import annotations

import click

from pytest_piv.checkpoints.features import markdown, write_features_file
from pytest_piv.checkpoints.progress import read_progress
from pytest_piv.cli.context import echo_json, project_config

FEATURES_FILE = "features.json"


@click.command("progress")
@click.option("--markdown", "as_markdown", is_flag=True, help="a Markdown table")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--write", "write", is_flag=True, help=f"write the features file ({FEATURES_FILE})")
@click.option(
    "--file",
    "path",
    default=FEATURES_FILE,
    show_default=True,
    help="features file path, relative to the project root",
)
@click.pass_context
def progress_command(
    ctx: click.Context, as_markdown: bool, as_json: bool, write: bool, path: str
) -> int:
    """Progress by feature (piv_feature marks) and the RGR state, from the ledger."""
    if as_markdown and as_json:
        raise click.UsageError("--markdown and --json: choose one")
    piv = project_config(ctx)
    progress = read_progress(piv.db, piv.root, piv.roles)
    if write:
        write_features_file(piv.root / path, progress.features)
    if as_json:
        echo_json(progress.as_json())
    elif as_markdown:
        click.echo(markdown(progress.features), nl=False)
    else:
        for line in progress.lines():
            click.echo(line)
    return 0
