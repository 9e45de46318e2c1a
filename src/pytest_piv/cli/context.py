"""What every command needs: the project root, its config and its store."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import click

from pytest_piv.config import PivConfig, load_config
from pytest_piv.envvars import unknown_env_warnings
from pytest_piv.errors import UsageError
from pytest_piv.report.text import printable
from pytest_piv.store import connect

#: the most a count such as ``piv log -n`` may ask for; a run id is an SQLite integer
MAX_COUNT = 100_000
MAX_ID = 2**63 - 1
#: the longest ``--reason`` kept in the store or a baseline file
MAX_REASON = 1000


def find_root(start: Path) -> Path:
    for candidate in (start, *start.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return start


def project_config(ctx: click.Context, flags: dict[str, object] | None = None) -> PivConfig:
    """The project's config; each unknown ``PIV_*`` variable is a warning on stderr."""
    root = ctx.find_root().obj or find_root(Path.cwd())
    piv = load_config(Path(root).resolve(), env=os.environ, flags=flags)
    for text in unknown_env_warnings(os.environ):
        click.echo(f"piv: warning: {text}", err=True)
    return piv


def check_reason(reason: str | None, option: str = "--reason") -> str:
    """A reason to keep: one line of printable text, not blank, not too long."""
    if reason is None or not reason.strip():
        raise UsageError(f"{option} {reason!r}: expected a non-empty reason")
    if not reason.isprintable() or len(reason) > MAX_REASON:
        raise UsageError(
            f"{option} {reason!r}: expected one line of printable text of at most "
            f"{MAX_REASON} characters"
        )
    return reason.strip()


def echo_line(text: str) -> None:
    """One line of output that may hold stored text: its control characters escaped."""
    click.echo(printable(text))


def open_store(piv: PivConfig) -> sqlite3.Connection:
    return connect(piv.db, create=False)


def echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
