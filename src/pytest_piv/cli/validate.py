"""``piv validate``: run a preset's validation steps on the changed, staged or given files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from pytest_piv import vcs
from pytest_piv.cli.context import echo_json, project_config
from pytest_piv.errors import UsageError
from pytest_piv.validate.gates_baseline import read_baseline
from pytest_piv.validate.project import Project, Target, project_python, select_files
from pytest_piv.validate.runner import StepResult, exit_code, run_steps
from pytest_piv.validate.steps import all_findings, plan
from pytest_piv.values import counted


def _unstaged_notes(root: Path, selected: tuple[str, ...]) -> list[str]:
    """The staged files whose work-tree copy, not the staged one, is what the tools read."""
    dirty = sorted(set(vcs.unstaged_files(root)) & set(selected))
    return [
        f"{path} also has unstaged changes: its work-tree copy was validated"
        " (hint: the pre-commit framework stashes them first)"
        for path in dirty
    ]


def _echo_text(
    preset: str, target: Target, results: list[StepResult], seconds: float, notes: list[str]
) -> None:
    scope = "all files" if target.all_files else counted(len(target.files), "file")
    click.echo(f"piv validate: preset {preset} on {scope}")
    for note in notes:
        click.echo(f"piv validate: note: {note}")
    width = max((len(r.name) for r in results), default=0)
    for r in results:
        line = f"  {r.name:<{width}}  {r.verdict:<7} {r.seconds:6.2f}s  "
        line += counted(len(r.findings), "finding")
        click.echo(line + (f"  ({r.detail})" if r.detail else ""))
    for finding in all_findings(results):
        click.echo(finding.render())
    failed = [r for r in results if r.verdict not in ("pass", "skip")]
    for detail in dict.fromkeys(r.detail for r in results if r.verdict == "missing"):
        click.echo(f"piv: error: {detail}", err=True)
    if failed:
        names = ", ".join(f"{r.name} ({r.verdict})" for r in failed)
        click.echo(f"piv validate: FAILED — {names} in {seconds:.2f}s")
    else:
        click.echo(f"piv validate: passed — {counted(len(results), 'step')} in {seconds:.2f}s")


@click.command("validate")
@click.option("--preset", default=None, help="minimal, standard, comprehensive, full or your own")
@click.option("--changed", is_flag=True, help="the files changed since HEAD (the default)")
@click.option("--staged", is_flag=True, help="the files staged for the next commit")
@click.option("--all-files", is_flag=True, help="every file of the project")
@click.option(
    "--base",
    default=None,
    help="judge against this commit instead of HEAD: files changed since it, and only"
    " findings it did not have (default: HEAD, or pre-commit's PRE_COMMIT_FROM_REF at pre-push)",
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
def validate_command(
    ctx: click.Context,
    preset: str | None,
    changed: bool,
    staged: bool,
    all_files: bool,
    base: str | None,
    as_json: bool,
    files: tuple[Path, ...],
) -> int:
    """Run the validation steps of a preset, independent steps in parallel, each with a budget.

    Exit 0 when every step passed or had nothing to check, 1 when a step failed or overran
    its budget, 2 on a usage error, 3 when a tool is missing.
    """
    piv = project_config(ctx)
    settings = piv.validate
    if sum(map(bool, (changed, staged, all_files, files))) > 1:
        raise UsageError("give one of --changed, --staged, --all-files or FILES, not several")
    chosen = preset or settings.preset
    if chosen not in settings.presets:
        raise UsageError(
            f"--preset {chosen!r}: expected one of {', '.join(settings.presets)}"
            " (or a preset of [tool.piv.validate.presets])"
        )
    root = piv.root
    if "gates" in settings.presets[chosen] and settings.gates.baseline is not None:
        read_baseline(root / settings.gates.baseline)  # a bad file: one line, exit 2
    in_git = vcs.in_git(root)
    if base is not None and in_git and vcs.resolve_commit(root, base) is None:
        raise UsageError(f"--base {base!r}: not a commit of {root} (expected a branch, tag or sha)")
    if base is None:  # at pre-push pre-commit names what the remote had (unknown: HEAD)
        pushed = os.environ.get("PRE_COMMIT_FROM_REF", "")
        base = pushed if pushed and in_git and vcs.resolve_commit(root, pushed) else "HEAD"
    selected, deleted = select_files(root, tuple(str(f) for f in files), all_files, staged, base)
    target = Target(
        root=root,
        files=selected,
        deleted=deleted,
        all_files=all_files,
        settings=settings,
        roles=piv.roles,
        python=project_python(root, settings),
        in_git=in_git,
        base=base,
        db=piv.db,
    )
    notes = _unstaged_notes(root, selected) if staged else []
    started = time.perf_counter()
    results = run_steps(plan(Project(target), chosen), settings.jobs)
    seconds = time.perf_counter() - started
    code = exit_code(results)
    if as_json:
        echo_json(
            {
                "preset": chosen,
                "files": list(target.files),
                "all_files": all_files,
                "seconds": round(seconds, 3),
                "exit_code": code,
                "steps": [r.as_dict() for r in results],
                "notes": notes,
            }
        )
    else:
        _echo_text(chosen, target, results, seconds, notes)
    return code
