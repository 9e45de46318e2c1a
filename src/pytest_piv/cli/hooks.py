"""``piv hooks``: the commit gate, the commit-message check, and plain git hook shims.

``piv hooks rgr`` and ``piv hooks commit-msg`` are what the published pre-commit hooks
(``.pre-commit-hooks.yaml``) and the shims in ``hooks/`` run. They read the staged content
from git's index and the evidence from the store; they run no tests and change no file.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import tomllib
from pathlib import Path

import click

from pytest_piv import vcs
from pytest_piv.cli.context import find_root
from pytest_piv.config import PivConfig, load_config
from pytest_piv.errors import UsageError
from pytest_piv.store import connect, ledger
from pytest_piv.store.ledger import RunRow
from pytest_piv.validate import shims
from pytest_piv.validate.commit_gate import check_message, evidence, rgr_gate, staged_tree_id


@click.group("hooks")
def hooks_group() -> None:
    """Git hooks: the RGR commit gate, the commit-message check, plain hook shims."""


def pytest_testpaths(root: Path) -> list[str]:
    """pytest's ``testpaths`` (pyproject.toml or pytest.ini), which the plugin adds to the
    test globs: the hooks must give files the roles the runs gave them."""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        ini = data.get("tool", {}).get("pytest", {}).get("ini_options", {})
        if isinstance(ini.get("testpaths"), list):
            return [str(t) for t in ini["testpaths"]]
    parser = configparser.ConfigParser()
    try:
        parser.read(root / "pytest.ini", encoding="utf-8")
    except configparser.Error:
        return []
    return parser.get("pytest", "testpaths", fallback="").split()


def _config(ctx: click.Context) -> PivConfig:
    root = Path(ctx.find_root().obj or find_root(Path.cwd())).resolve()
    return load_config(root, env=os.environ, testpaths=pytest_testpaths(root))


def _staged_evidence(piv: PivConfig) -> tuple[bool, RunRow | None]:
    """Whether the staged change touches a test or source file, and the run that saw it."""
    staged, deleted = vcs.staged_files(piv.root)
    touches = bool(piv.roles.roles_of([*staged, *deleted]))
    if not touches or not piv.db.is_file():
        return touches, None
    tree_id = staged_tree_id(vcs.index_blobs(piv.root), piv.roles)
    with contextlib.closing(connect(piv.db, create=False)) as conn:
        return touches, evidence(ledger.runs_of_tree(conn, tree_id))


@hooks_group.command("rgr")
@click.pass_context
def rgr_hook(ctx: click.Context) -> int:
    """The commit gate: the staged files must match a complete `pytest --piv` run whose
    phase is not VIOLATION or REGRESSION. Runs no tests."""
    piv = _config(ctx)
    if piv.rgr.mode == "off":
        click.echo("piv-rgr: [tool.piv.rgr] mode is off")
        return 0
    touches, run = _staged_evidence(piv)
    verdict = rgr_gate(run, touches)
    if verdict.ok or piv.rgr.mode == "warn":
        click.echo(verdict.message)
        return 0
    click.echo(verdict.message, err=True)
    return 1


@hooks_group.command("commit-msg")
@click.argument("message_file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def commit_msg_hook(ctx: click.Context, message_file: Path) -> int:
    """The message check: conventional-commit form and a type that fits the RGR phase of
    the staged run (RED test:, GREEN feat:/fix:, REFACTOR refactor:)."""
    piv = _config(ctx)
    try:
        message = message_file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"{message_file}: cannot read the commit message ({exc})") from None
    touches, run = _staged_evidence(piv)
    phase = run.phase if touches and run is not None and piv.rgr.mode != "off" else None
    verdict = check_message(
        message, phase, piv.validate.commit_types, run.id if run is not None else None
    )
    if verdict.ok:
        return 0
    click.echo(verdict.message, err=True)
    return 1


_HOOKS = click.Choice(tuple(shims.COMMANDS))


@hooks_group.command("install")
@click.option("--hook", "hooks", multiple=True, type=_HOOKS, help="only this hook (repeatable)")
@click.pass_context
def install_command(ctx: click.Context, hooks: tuple[str, ...]) -> int:
    """Install piv's git hooks (pre-commit, commit-msg, pre-push) without the pre-commit
    framework; an existing hook is kept as <hook>.piv-backup and runs first."""
    piv = _config(ctx)
    for line in shims.install(vcs.hooks_dir(piv.root), hooks or tuple(shims.COMMANDS)):
        click.echo(f"piv hooks: {line}")
    return 0


@hooks_group.command("uninstall")
@click.option("--hook", "hooks", multiple=True, type=_HOOKS, help="only this hook (repeatable)")
@click.pass_context
def uninstall_command(ctx: click.Context, hooks: tuple[str, ...]) -> int:
    """Remove piv's git hooks and restore the hooks they backed up."""
    piv = _config(ctx)
    for line in shims.uninstall(vcs.hooks_dir(piv.root), hooks or tuple(shims.COMMANDS)):
        click.echo(f"piv hooks: {line}")
    return 0
