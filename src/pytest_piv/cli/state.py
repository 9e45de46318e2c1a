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


def _another_database(path: Path) -> bool:
    """True when *path* is a readable SQLite database without piv's tables (a damaged
    piv store cannot be read, and may be moved aside)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'"
            ).fetchone()
    except sqlite3.Error:
        return False
    return found is None


def refuse_foreign(path: Path, root: Path) -> None:
    """Refuse to move a file that is not a piv store. Inside the project the configured
    store is moved aside whatever state it is in (that is what a reset is for); outside it
    (``PIV_DB`` may name any file) it must be an SQLite file that is not another
    program's database."""
    if not path.exists():
        return
    if not path.is_file():
        raise UsageError(f"{printable(path)}: not a piv store (not a file); nothing moved")
    if inside(root, path) is not None:
        return
    with path.open("rb") as stream:
        head = stream.read(len(SQLITE_HEADER))
    if head == SQLITE_HEADER and not _another_database(path):
        return
    raise UsageError(
        f"{printable(path)}: not a piv store outside the project (not an SQLite file, or "
        "one without piv's tables); nothing moved (hint: check PIV_DB)"
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
