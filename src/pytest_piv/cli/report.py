"""``piv report github``: one job summary and capped annotations from the gates' JSON.

Exit codes: 0 every gate passed or was skipped, 1 a gate failed, 2 an input file is
missing (when named), unreadable or not a piv result (the summary is still written, that
gate shown as unreadable), or a bad ``--base``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pytest_piv.cli.context import find_root
from pytest_piv.coverage import changes
from pytest_piv.errors import UsageError
from pytest_piv.ghreport.annotations import commands, select
from pytest_piv.ghreport.gates import read_result
from pytest_piv.ghreport.model import (
    GATES,
    PLAIN_JOBS,
    GateResult,
    MalformedResult,
    judged_by_job,
    plain_job,
    result_file,
    skipped,
    unreadable,
)
from pytest_piv.ghreport.summary import SUMMARY_CAP, render
from pytest_piv.report.text import printable
from pytest_piv.values import counted

GATE_FAILED = 1


@click.group("report")
def report_group() -> None:
    """Reports over the CI gates' results."""


def _file_option(gate: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        f"--{gate}",
        f"{gate}_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"the {gate} result (default: DIR/{result_file(gate)} of --from)",
    )


def _load(gate: str, path: Path, root: Path) -> GateResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedResult(f"not a readable JSON file ({exc})") from None

    def is_project_file(name: str) -> bool:
        return bool(name) and not Path(name).is_absolute() and (root / name).is_file()

    return read_result(gate, data, is_project_file)


def _changed(root: Path, base: str | None) -> dict[str, frozenset[int]]:
    if base is None:
        return {}
    return changes.changed_lines(root, changes.merge_base(root, base))


def parse_needs(text: str | None) -> dict[str, str]:
    """``toJSON(needs)`` of the report job as job -> result; a usage error when it is not."""
    if text is None:
        return {}
    expected = "--needs: expected the JSON of ${{ toJSON(needs) }} (job -> {result: ...})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise UsageError(expected) from None
    if not isinstance(data, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("result"), str) for v in data.values()
    ):
        raise UsageError(expected)
    return {str(job): str(v["result"]) for job, v in data.items()}


def _destination(summary: Path | None) -> Path | None:
    if summary is not None:
        return summary
    env = os.environ.get("GITHUB_STEP_SUMMARY", "")
    return Path(env) if env else None


def report_github(
    source: Path | None,
    files: dict[str, Path | None],
    base: str | None,
    summary: Path | None,
    root: Path,
    jobs: dict[str, str],
) -> int:
    if source is not None and not source.is_dir():
        raise UsageError(f"--from {source}: no such directory (expected the gates' JSON files)")
    for gate, path in files.items():
        if path is not None and not path.is_file():
            raise UsageError(f"--{gate} {path}: no such file (expected {result_file(gate)})")
    changed = _changed(root, base)
    results: list[GateResult] = [plain_job(job, jobs[job]) for job in PLAIN_JOBS if job in jobs]
    problems: list[str] = []
    for gate in GATES:
        path = files.get(gate) or (source / result_file(gate) if source else None)
        if path is None or not path.is_file():
            results.append(skipped(gate, jobs.get(gate)))
            continue
        try:
            results.append(judged_by_job(_load(gate, path, root), jobs.get(gate)))
        except MalformedResult as exc:
            problems.append(f"{path}: {exc}")
            results.append(unreadable(gate, f"{path.name} is unreadable: {exc}"))
    shown, rest = select([a for r in results for a in r.annotations], changed)
    target = _destination(summary)
    used = target.stat().st_size if target is not None and target.is_file() else 0
    text = render(results, rest, limit=max(0, SUMMARY_CAP - used))
    if target is None:
        click.echo(text, nl=False)
    else:
        with target.open("a", encoding="utf-8") as out:
            out.write(text)
    for line in commands(shown):
        click.echo(line)
    click.echo(
        f"piv report: {counted(len(shown), 'annotation')}, {len(rest)} more in the summary"
        + (f" ({target})" if target is not None else ""),
        err=True,
    )
    if problems:
        raise UsageError(printable("; ".join(problems)))
    return GATE_FAILED if any(r.status == "failed" for r in results) else 0


@report_group.command("github")
@click.option(
    "--from",
    "source",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="a directory of the gates' results: " + ", ".join(result_file(g) for g in GATES),
)
@click.option("--base", default=None, help="annotate lines changed since this ref first")
@click.option(
    "--needs",
    default=None,
    help="the JSON of ${{ toJSON(needs) }}: a gate job that failed before its result shows as"
    " failed, not skipped, and the test shards' outcome is shown",
)
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="append the Markdown here (default: $GITHUB_STEP_SUMMARY, else stdout)",
)
@_file_option("validate")
@_file_option("coverage")
@_file_option("bench")
@_file_option("verify")
@_file_option("profile")
@click.pass_context
def github_command(
    ctx: click.Context,
    source: Path | None,
    base: str | None,
    needs: str | None,
    summary: Path | None,
    validate_file: Path | None,
    coverage_file: Path | None,
    bench_file: Path | None,
    verify_file: Path | None,
    profile_file: Path | None,
) -> int:
    """Write one job summary and at most 10 annotations per kind, changed lines first.

    A gate whose file is absent from --from was skipped; it shows as skipped.
    """
    root = Path(ctx.find_root().obj or find_root(Path.cwd())).resolve()
    named = {
        "validate": validate_file,
        "coverage": coverage_file,
        "bench": bench_file,
        "verify": verify_file,
        "profile": profile_file,
    }
    return report_github(source, named, base, summary, root, parse_needs(needs))
