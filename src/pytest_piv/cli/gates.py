"""``piv gates``: the committed baseline of the quality gates' existing violations."""

from __future__ import annotations

import click

from pytest_piv import vcs
from pytest_piv.cli.context import project_config
from pytest_piv.errors import UsageError
from pytest_piv.validate.gates_baseline import ratchet, read_baseline, render_baseline
from pytest_piv.validate.project import Project, Target, project_python
from pytest_piv.validate.steps import project_measures


@click.group("gates")
def gates_group() -> None:
    """The quality gates of [tool.piv.gates] and their baseline."""


@gates_group.command("baseline")
@click.option("--allow-new", is_flag=True, help="also record violations the file did not have")
@click.pass_context
def baseline_command(ctx: click.Context, allow_new: bool) -> int:
    """Write the baseline of existing violations ([tool.piv.gates] baseline).

    A ratchet: fixed violations leave the file and improved ones are lowered; a violation
    that is new or worse than recorded is refused (exit 1) unless --allow-new is given.
    """
    piv = project_config(ctx)
    settings = piv.validate
    name = settings.gates.baseline
    if name is None:
        raise UsageError(
            "[tool.piv.gates] baseline = false: there is no baseline file to write"
            ' (hint: baseline = "piv-gates-baseline.json")'
        )
    root = piv.root
    path = root / name
    old = read_baseline(path)
    target = Target(
        root=root,
        files=(),
        deleted=(),
        all_files=True,
        settings=settings,
        roles=piv.roles,
        python=project_python(root, settings),
        in_git=vcs.in_git(root),
    )
    update = ratchet(old, project_measures(Project(target)))
    if update.new and not allow_new:
        for measure in update.new:
            click.echo(measure.finding.render())
        click.echo(
            f"piv: {len(update.new)} violations are new or worse than {name} records;"
            " not written (hint: fix them, or record them with --allow-new)"
        )
        return 1
    try:
        path.write_text(render_baseline(update.recorded), encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"[tool.piv.gates] baseline = {name!r}: cannot write it ({exc.strerror})"
        ) from None
    changes = [f"{update.fixed} fixed", f"{update.improved} improved"]
    if update.new:
        changes.append(f"{len(update.new)} new recorded")
    click.echo(f"piv: wrote {name} ({len(update.recorded)} violations; {', '.join(changes)})")
    return 0
