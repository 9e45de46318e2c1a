"""``piv init``: adopt pytest-piv in an existing project (shows the changes; --yes writes)."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from pytest_piv.adopt import plan
from pytest_piv.cli.context import find_root
from pytest_piv.errors import UsageError
from pytest_piv.report.text import printable
from pytest_piv.workflows import DEFAULT_REPO, CallerSettings, check_repo, check_sha


@click.command("init")
@click.option("--yes", is_flag=True, help="write the changes (otherwise only show them)")
@click.option("--repo", default=DEFAULT_REPO, show_default=True, help="where pytest-piv lives")
@click.option("--ref", "sha", default=None, help="the pytest-piv commit the CI caller pins")
@click.pass_context
def init_command(ctx: click.Context, yes: bool, repo: str, sha: str | None) -> int:
    """Detect the layout and add [tool.piv], the piv hooks, .piv/ in .gitignore and the
    CI caller; what is already there is left alone, so a second run changes nothing."""
    root = Path(ctx.find_root().obj or find_root(Path.cwd())).resolve()
    for problem in (check_repo(repo), check_sha(sha) if sha is not None else None):
        if problem:
            raise UsageError(problem)
    settings = CallerSettings(repo=repo)
    if sha is not None:
        settings = settings._replace(sha=sha, label=f"pytest-piv at {sha[:12]}")
    changes = plan(root, settings)
    if not changes:
        click.echo("piv init: nothing to change (piv is already adopted here)")
        return 0
    for change in changes:
        before = (change.before or "").splitlines(keepends=True)
        after = change.after.splitlines(keepends=True)
        label = change.path if change.before is not None else f"{change.path} (new)"
        click.echo(f"--- {label}: {change.why}")
        for line in difflib.unified_diff(before, after, change.path, change.path, n=1):
            click.echo(printable(line.rstrip("\n")))
    if not yes:
        click.echo(f"piv init: {len(changes)} file(s) would change (run again with --yes)")
        return 0
    for change in changes:
        target = root / change.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(change.after, encoding="utf-8")
    click.echo(
        f"piv init: wrote {', '.join(c.path for c in changes)}; next: `pytest --piv` adopts "
        "your suite, `pre-commit install --hook-type pre-commit --hook-type commit-msg`"
    )
    return 0
