"""``piv state reset``: move the store aside as a backup and start fresh."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import click

from pytest_piv.cli.context import project_config
from pytest_piv.errors import UsageError
from pytest_piv.paths import inside
from pytest_piv.report.text import printable
from pytest_piv.store import reset

SQLITE_HEADER = b"SQLite format 3\x00"


def _has_piv_tables(path: Path) -> bool:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'"
            ).fetchone()
    except sqlite3.Error:
        return False
    return found is not None


def refuse_foreign(path: Path, root: Path) -> None:
    """Refuse to move a file that is not a piv store (``PIV_DB`` may name any file): it
    must be an SQLite file, and outside the project it must hold piv's tables."""
    if not path.exists():
        return
    if not path.is_file():
        raise UsageError(f"{printable(path)}: not a piv store (not a file); nothing moved")
    with path.open("rb") as stream:
        head = stream.read(len(SQLITE_HEADER))
    in_project = inside(root, path) is not None
    if head == SQLITE_HEADER and (in_project or _has_piv_tables(path)):
        return
    if not head and in_project:
        return  # an empty store file in the project: moving it aside loses nothing
    raise UsageError(
        f"{printable(path)}: not a piv store (no piv SQLite tables); nothing moved "
        "(hint: check PIV_DB and [tool.piv] db)"
    )


@click.group("state")
def state_group() -> None:
    """The evidence store."""


@state_group.command("reset")
@click.pass_context
def reset_command(ctx: click.Context) -> int:
    """Move .piv/piv.db aside (kept as a backup) so the next run starts a new store."""
    piv = project_config(ctx)
    refuse_foreign(piv.db, piv.root)
    backup = reset(piv.db)
    if backup is None:
        click.echo(f"piv: no store at {printable(piv.db)}; nothing to reset")
    else:
        click.echo(
            f"piv: moved {printable(piv.db)} to {printable(backup)}; the next `pytest --piv` "
            "starts afresh"
        )
    return 0
