"""``piv profile``: profile a command's CPU (py-spy) or memory (memray); show past profiles.

``piv profile cpu -- COMMAND...`` runs COMMAND with py-spy as its parent (``--subprocesses``:
xdist workers included), ``piv profile mem -- COMMAND...`` runs a Python command under
``memray run``. Both keep their artifacts under ``.piv/profiles/<run>/`` and print the
hotspot table. When this machine cannot profile (missing tool, ptrace forbidden), the
command still runs, unprofiled, after a one-line reason with the fix.

Exit codes: 0 when the command succeeded, 1 when it failed, 2 usage error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from pytest_piv.cli.context import echo_json, project_config
from pytest_piv.config import PivConfig
from pytest_piv.errors import UsageError
from pytest_piv.profiling import permissions, pyspy, runs
from pytest_piv.profiling.cpu import ProfileFormatError
from pytest_piv.profiling.launch import DIR_ENV, PARENT_ENV
from pytest_piv.report import profile as report
from pytest_piv.report.rgr import Line
from pytest_piv.tools import run_tool

COMMAND_FAILED = 1
#: set for the profiled command: a pytest run under it knows it is profiled (it then
#: feeds no benchmark baseline) and where the run's directory is
ENV_DIR = DIR_ENV
#: before/after profiles sample faster: a short benchmark gives few samples at 100 Hz
DIFF_RATE = 250


@click.group("profile")
def profile_group() -> None:
    """CPU and memory profiles with hotspot tables (py-spy, memray)."""


def _echo(line: Line) -> None:
    plain = bool(os.environ.get("NO_COLOR"))
    colour = None if plain else ("red" if line.markup.get("red") else None)
    colour = colour or (None if plain or not line.markup.get("yellow") else "yellow")
    click.echo(click.style(line.text, fg=colour, bold=line.markup.get("bold") and not plain))


def _emit(data: dict[str, Any], as_json: bool, markdown: bool = False) -> None:
    if as_json:
        echo_json(data)
    elif markdown:
        click.echo(report.to_markdown(data), nl=False)
    else:
        for line in report.terminal_lines(data, verbosity=1):
            _echo(line)


def _start(ctx: click.Context, command: tuple[str, ...]) -> tuple[Path, Path, Any]:
    if not command:
        raise UsageError("no command to profile (hint: piv profile cpu -- pytest -q)")
    piv = project_config(ctx)
    run = runs.new_run(piv.root / piv.profile.dir)
    return piv.root, run, piv


def _unprofiled(command: tuple[str, ...], root: Path) -> int:
    done = run_tool(list(command), cwd=root, capture=False)
    return 0 if done.returncode == 0 else COMMAND_FAILED


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


@profile_group.command("cpu", context_settings={"ignore_unknown_options": True})
@click.option("--rate", type=click.IntRange(1, 10_000), default=None, help="samples per second")
@click.option("--top", type=click.IntRange(1, 1000), default=None, help="rows in each table")
@click.option(
    "--blocking/--nonblocking",
    default=None,
    help="pause the program at each sample (exact stacks) or not ([tool.piv.profile] blocking)",
)
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def cpu_command(
    ctx: click.Context,
    rate: int | None,
    top: int | None,
    blocking: bool | None,
    as_json: bool,
    command: tuple[str, ...],
) -> int:
    """Run COMMAND under py-spy (as its parent) and show where the time went."""
    root, run, piv = _start(ctx, command)
    blocker = permissions.check_pyspy(sys.executable, piv.profile.py_spy)
    base = {"run": run.name, "dir": _relative(run, root), "command": list(command)}
    if blocker is not None:
        click.echo(f"piv: cpu profiling skipped: {blocker}", err=True)
        runs.merge_report(run, {**base, "skipped": {"cpu": blocker}})
        return _unprofiled(command, root)
    env = {**os.environ, ENV_DIR: str(run)}
    code = pyspy.record(
        command,
        run,
        rate=rate or piv.profile.rate,
        tool=piv.profile.py_spy,
        cwd=root,
        env=env,
        blocking=piv.profile.blocking if blocking is None else blocking,
    )
    try:
        profile = pyspy.load(run)
    except ProfileFormatError as exc:
        click.echo(f"piv: py-spy kept no profile: {exc}", err=True)
        return COMMAND_FAILED
    svg = pyspy.write_flamegraph(profile, run, f"piv profile cpu: {' '.join(command)}")
    data = runs.merge_report(
        run,
        {
            **base,
            "cpu": report.cpu_part(profile, top or piv.profile.top, root),
            "artifacts": {
                "cpu speedscope": _relative(run / pyspy.SPEEDSCOPE, root),
                "cpu flame graph": _relative(svg, root),
            },
        },
    )
    _emit(data, as_json)
    return 0 if code == 0 else COMMAND_FAILED


@profile_group.command("mem", context_settings={"ignore_unknown_options": True})
@click.option("--top", type=click.IntRange(1, 1000), default=None, help="rows in each table")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def mem_command(
    ctx: click.Context, top: int | None, as_json: bool, command: tuple[str, ...]
) -> int:
    """Run a Python COMMAND under memray and show where the memory went."""
    root, run, piv = _start(ctx, command)
    blocker = permissions.memray_blocker()
    base = {"run": run.name, "dir": _relative(run, root), "command": list(command)}
    if blocker is not None:
        click.echo(f"piv: memory profiling skipped: {blocker}", err=True)
        runs.merge_report(run, {**base, "skipped": {"memory": blocker}})
        return _unprofiled(command, root)
    from pytest_piv.profiling import memray_backend

    capture = run / "mem.bin"
    try:
        argv = memray_backend.run_argv(capture, command)
    except ValueError as exc:
        raise UsageError(f"piv profile mem: {exc}") from None
    env = {**os.environ, ENV_DIR: str(run), PARENT_ENV: str(os.getpid())}
    done = run_tool(argv, cwd=root, env=env, capture=False)
    if not capture.is_file():
        click.echo("piv: memray kept no capture (did the command start Python?)", err=True)
        return COMMAND_FAILED
    profile = memray_backend.read(capture)
    html = run / "mem.html"
    drawn = memray_backend.write_html(capture, html)
    artifacts = {"memory capture": _relative(capture, root)}
    if drawn.ok:
        artifacts["memory flame graph"] = _relative(html, root)
    data = runs.merge_report(
        run,
        {
            **base,
            "mem": report.mem_part(profile, top or piv.profile.top, root=root),
            "artifacts": artifacts,
        },
    )
    _emit(data, as_json)
    return 0 if done.returncode == 0 else COMMAND_FAILED


@profile_group.command("show")
@click.argument("run_name", required=False)
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option("--markdown", is_flag=True, help="a Markdown summary (for a CI job summary)")
@click.option("--list", "listing", is_flag=True, help="list the kept runs, newest first")
@click.pass_context
def show_command(
    ctx: click.Context, run_name: str | None, as_json: bool, markdown: bool, listing: bool
) -> int:
    """Show the last profile (or RUN, a directory name under .piv/profiles)."""
    piv = project_config(ctx)
    base = piv.root / piv.profile.dir
    if listing:
        kept = [(p.name, _holds(runs.read_report(p))) for p in runs.runs(base)]
        if as_json:
            echo_json([{"run": name, "holds": holds} for name, holds in kept])
        for name, holds in [] if as_json else kept:
            click.echo(f"{name}  {', '.join(holds) or 'nothing (skipped)'}")
        return 0
    if run_name is not None:
        run = base / run_name
        if not (run / runs.REPORT).is_file():
            raise UsageError(f"{_relative(run, piv.root)}: no such profile run")
    else:
        found = runs.runs(base)
        if not found:
            raise UsageError(
                "no profile yet (hint: piv profile cpu -- pytest, or pytest --piv-profile=mem)"
            )
        run = found[0]
    _emit(runs.read_report(run), as_json, markdown)
    return 0


@profile_group.command("imports")
@click.argument("modules", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="print the verdicts as JSON")
@click.option("--no-record", is_flag=True, help="do not keep these times as history")
@click.pass_context
def imports_command(
    ctx: click.Context, modules: tuple[str, ...], as_json: bool, no_record: bool
) -> int:
    """Gate how long importing each module takes (fresh processes, -X importtime).

    MODULES default to [tool.piv.profile] import_modules; each is judged against
    max_import_time and against the median of its last passing times on this machine.
    """
    piv = project_config(ctx)
    settings = piv.profile
    names = modules or settings.import_modules
    if not names:
        raise UsageError(
            'no modules to time (hint: [tool.piv.profile] import_modules = ["yourpkg"])'
        )
    from pytest_piv.profiling.imports import ImportFailed, judge_modules

    try:
        checks = judge_modules(
            piv.db, names, settings, python=sys.executable, cwd=piv.root, record=not no_record
        )
    except ImportFailed as exc:
        raise UsageError(str(exc)) from None
    if as_json:
        from pytest_piv.profiling.imports import as_dict

        echo_json([as_dict(c) for c in checks])
    else:
        for c in checks:
            markup = {"red": True} if c.failed else {"yellow": True} if c.verdict == "flaky" else {}
            _echo(Line(f"piv: {c.message()}", markup))
    return COMMAND_FAILED if any(c.failed for c in checks) else 0


@profile_group.command("diff", context_settings={"ignore_unknown_options": True})
@click.option("--base", "base_ref", required=True, help="the git ref of the 'before' side")
@click.option(
    "--rate",
    type=click.IntRange(1, 10_000),
    default=DIFF_RATE,
    show_default=True,
    help="samples per second (short benchmarks need many)",
)
@click.option("--top", type=click.IntRange(1, 1000), default=None, help="rows in the table")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.argument("nodeids", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def diff_command(
    ctx: click.Context,
    base_ref: str,
    rate: int,
    top: int | None,
    as_json: bool,
    nodeids: tuple[str, ...],
) -> int:
    """Profile NODEIDS at --base and in the working tree; show what grew.

    Arguments after `--` go to both pytest runs (e.g. --benchmark-max-time=0.5).
    """
    piv = project_config(ctx)
    blocker = permissions.check_pyspy(sys.executable, piv.profile.py_spy)
    if blocker is not None:
        raise UsageError(f"cannot profile: {blocker}")
    names = [n for n in nodeids if not n.startswith("-")]
    extra = [n for n in nodeids if n.startswith("-")]
    from pytest_piv.profiling.regression import before_after

    data = before_after(
        piv.root,
        base_ref,
        names,
        piv.root / piv.profile.dir,
        python=sys.executable,
        extra=extra,
        rate=rate,
        tool=piv.profile.py_spy,
        top=top or piv.profile.top,
    )
    _emit(data, as_json)
    return 0


def _holds(report_data: dict[str, Any]) -> list[str]:
    """What a kept run has: cpu, mem, budgets, imports, diff."""
    return [key for key in ("cpu", "mem", "budgets", "imports", "diff") if report_data.get(key)]


def echo_regression_profiles(
    piv: PivConfig, base_ref: str, names: list[str], extra: Sequence[str]
) -> None:
    """For ``piv bench ab``: a before/after profile of each regressed benchmark (at most
    three), or a one-line note why there is none."""
    from pytest_piv.profiling.regression import before_after

    blocker = permissions.check_pyspy(sys.executable, piv.profile.py_spy)
    if blocker is not None:
        click.echo(f"piv: no before/after profile: {blocker}", err=True)
        return
    for name in names[:3]:
        data = before_after(
            piv.root,
            base_ref,
            [name],
            piv.root / piv.profile.dir,
            python=sys.executable,
            extra=[a for a in extra if a.startswith("--benchmark-")],
            rate=max(piv.profile.rate, DIFF_RATE),
            tool=piv.profile.py_spy,
            top=piv.profile.top,
        )
        _emit(data, as_json=False)
