"""``piv checkpoint``, ``piv checkpoints``, ``piv rollback`` and ``piv resume``.

Thin: each command calls one function of :mod:`pytest_piv.checkpoints` and prints what it
returns. Exit codes of ``piv checkpoint``: 0 committed, 1 validation failed or a hook
refused, 2 usage, 4 tool error, 5 secret found, 6 nothing to checkpoint.
"""

from __future__ import annotations

import datetime

import click

from pytest_piv.checkpoints import flow, listing
from pytest_piv.checkpoints import resume as resuming
from pytest_piv.checkpoints import rollback as rolling
from pytest_piv.checkpoints.model import SAFETY
from pytest_piv.checkpoints.settings import DEFAULT_BUDGET_S
from pytest_piv.cli.context import echo_json, project_config
from pytest_piv.errors import VcsError
from pytest_piv.gitplumbing import open_repo


def _emit(lines: tuple[str, ...] | list[str], ok: bool) -> None:
    for line in lines:
        click.echo(line if ok else f"piv: {line}", err=not ok)


@click.group("checkpoint", invoke_without_command=True)
@click.option("-m", "--message", default="", help="what this checkpoint is about")
@click.option(
    "--no-validate",
    is_flag=True,
    help="skip validation (the snapshot and the secret scan still run; "
    "[tool.piv.checkpoint] validate = false)",
)
@click.option(
    "--preset",
    default=None,
    help="the `piv validate` preset (default: [tool.piv.checkpoint] preset, else "
    "[tool.piv.validate] preset, else standard)",
)
@click.option(
    "--budget",
    type=click.FloatRange(min=1),
    default=None,
    help=f"validation time budget in seconds (default: [tool.piv.checkpoint] budget, "
    f"else {DEFAULT_BUDGET_S:g})",
)
@click.option("--wip", is_flag=True, help="commit onto wip/<branch>; HEAD and the index stay")
@click.option(
    "--no-tag",
    is_flag=True,
    help="do not tag the commit piv/cp/<branch>/<n> ([tool.piv.checkpoint] tag = false)",
)
@click.option(
    "--no-verify", is_flag=True, help="skip the project's pre-commit and commit-msg hooks"
)
@click.option(
    "--if-changed", is_flag=True, help="exit 0 (not 6) when there is nothing to checkpoint"
)
@click.option(
    "--on-phase",
    type=click.Choice(["RED", "GREEN", "REFACTOR"], case_sensitive=False),
    default=None,
    help="only when the last run is in this phase, once per run",
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def checkpoint_group(
    ctx: click.Context,
    message: str,
    no_validate: bool,
    preset: str | None,
    budget: float | None,
    wip: bool,
    no_tag: bool,
    no_verify: bool,
    if_changed: bool,
    on_phase: str | None,
    as_json: bool,
) -> int:  # fmt: skip
    """Snapshot the work tree, validate, scan for secrets, commit and tag.

    Exit codes: 0 committed, 1 validation failed or a hook refused (snapshot kept),
    2 usage error, 4 tool error, 5 secret found (snapshot kept), 6 nothing to checkpoint.
    """
    if ctx.invoked_subcommand is not None:
        return 0
    piv = project_config(ctx)
    configured = piv.checkpoint
    options = flow.Options(
        message,
        configured.validate and not no_validate,
        preset if preset is not None else configured.preset,
        budget if budget is not None else configured.budget,
        wip,
        configured.tag and not no_tag,
        not no_verify,
        piv.db,
        if_changed,
        on_phase,
        piv.roles,
    )
    try:
        outcome = flow.run_checkpoint(piv.root, options)
    except VcsError as exc:  # git failed before the snapshot was taken
        click.echo(f"piv: error: {exc}", err=True)
        return flow.EXIT_TOOL
    if as_json:
        echo_json(outcome.as_json())
    else:
        _emit(outcome.lines, outcome.code == flow.EXIT_COMMITTED)
    return outcome.code


@checkpoint_group.command("prune")
@click.option("--keep", type=int, required=True, help="how many checkpoints to keep per branch")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def prune_command(ctx: click.Context, keep: int, as_json: bool) -> int:
    """Delete all but the newest KEEP checkpoint refs of each branch (tags stay)."""
    piv = project_config(ctx)
    repo = open_repo(piv.root, piv.db)
    deleted = listing.prune(repo, keep)
    if as_json:
        echo_json({"deleted": deleted})
    else:
        click.echo(f"pruned {len(deleted)} checkpoint refs")
    return 0


@click.command("checkpoints")
@click.option("--safety", is_flag=True, help="list the safety snapshots rollback took instead")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def checkpoints_command(ctx: click.Context, safety: bool, as_json: bool) -> int:
    """List checkpoints: id, time, branch, phase, validation, message."""
    piv = project_config(ctx)
    repo = open_repo(piv.root, piv.db)
    found = listing.list_checkpoints(repo, SAFETY) if safety else listing.list_checkpoints(repo)
    if as_json:
        echo_json([c.as_json() for c in found])
        return 0
    if not found:
        click.echo("no checkpoints yet (hint: `piv checkpoint -m MSG`)")
    for c in found:
        when = datetime.datetime.fromtimestamp(c.time).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{c.id:<20} {when}  {c.branch:<12} {c.phase or '-':<9} "
                   f"{c.validation or '-':<24} {c.note}")  # fmt: skip
    return 0


@click.command("rollback")
@click.argument("ident", metavar="ID", required=False)
@click.option("--undo", is_flag=True, help="return to the state before the last rollback")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def rollback_command(ctx: click.Context, ident: str | None, undo: bool, as_json: bool) -> int:
    """Make the work tree byte-identical to checkpoint ID (after a safety snapshot)."""
    if bool(ident) == undo:
        raise click.UsageError("give a checkpoint ID or --undo (one of them)")
    piv = project_config(ctx)
    repo = open_repo(piv.root, piv.db)
    target = rolling.undo_target(repo) if undo else listing.resolve_checkpoint(repo, ident or "")
    done = rolling.rollback(repo, target)
    if as_json:
        echo_json({
            "target": done.target.id if not undo else "undo",
            "safety": done.safety.id,
            "removed": list(done.removed),
            "written": list(done.written),
            "index_restored": done.index_restored,
            "skipped": list(done.skipped),
        })  # fmt: skip
        return 0
    what = "the state before the last rollback" if undo else f"checkpoint {done.target.id}"
    click.echo(f"rolled back to {what}: {len(done.written)} files written, "
               f"{len(done.removed)} removed")  # fmt: skip
    click.echo(f"safety snapshot {done.safety.id} holds what was there "
               "(`piv rollback --undo` returns to it)")  # fmt: skip
    for path in done.skipped:
        click.echo(f"piv: submodule {path} not touched", err=True)
    return 0


@click.command("resume")
@click.argument("ident", metavar="ID")
@click.option("--branch", "name", default=None, help="the new branch (default resume/<branch>-<n>)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def resume_command(ctx: click.Context, ident: str, name: str | None, as_json: bool) -> int:
    """Start a branch at checkpoint ID and print where the work stood and what is next."""
    piv = project_config(ctx)
    repo = open_repo(piv.root, piv.db)
    done = resuming.resume(repo, listing.resolve_checkpoint(repo, ident), name)
    if as_json:
        echo_json(done.as_json())
    else:
        for line in done.note:
            click.echo(line)
    return 0


__all__ = ["checkpoint_group", "checkpoints_command", "resume_command", "rollback_command"]
