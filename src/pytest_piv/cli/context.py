"""What every command needs: the project root, its config and its store."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import click

from pytest_piv.config import PivConfig, load_config
from pytest_piv.store import connect


def find_root(start: Path) -> Path:
    for candidate in (start, *start.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return start


def project_config(ctx: click.Context) -> PivConfig:
    root = ctx.find_root().obj or find_root(Path.cwd())
    return load_config(Path(root).resolve(), env=os.environ)


def open_store(piv: PivConfig) -> sqlite3.Connection:
    return connect(piv.db, create=False)


def echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
