"""``piv ci``: write the CI caller workflow, and split the suite into shards."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from pytest_piv.cli.context import project_config
from pytest_piv.errors import UsageError
from pytest_piv.shards import file_durations, split, weights
from pytest_piv.vcs import collect_tree_state
from pytest_piv.workflows import (
    CALLER_PATH,
    DEFAULT_REPO,
    CallerSettings,
    caller_workflow,
    check_repo,
    check_sha,
)


@click.group("ci")
def ci_group() -> None:
    """CI helpers: the caller workflow and test shards."""


def _is_test_module(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _read_durations(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--durations {path}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str)
        and isinstance(v, int | float)
        and not isinstance(v, bool)
        and math.isfinite(v)
        for k, v in data.items()
    ):
        raise UsageError(
            f"--durations {path}: expected a JSON object of node id or file -> seconds"
        )
    return {str(k): float(v) for k, v in data.items()}


@ci_group.command("shard")
@click.option("--index", type=click.IntRange(1), required=True, help="this shard, from 1")
@click.option("--total", type=click.IntRange(1, 256), required=True, help="how many shards")
@click.option(
    "--durations",
    "durations_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON of node id (or file) -> seconds from an earlier run",
)
@click.pass_context
def shard_command(ctx: click.Context, index: int, total: int, durations_path: Path | None) -> int:
    """Print the test files of shard INDEX of TOTAL, one per line, balanced by duration."""
    if index > total:
        raise UsageError(f"--index {index}: expected a shard from 1 to --total {total}")
    piv = project_config(ctx)
    tests = collect_tree_state(piv.root, piv.roles).of_role("test")
    files = sorted(p for p in tests if _is_test_module(p))
    sizes: dict[str, int] = {}
    for path in files:
        try:
            sizes[path] = (piv.root / path).stat().st_size
        except OSError:
            sizes[path] = 0
    durations = file_durations(_read_durations(durations_path)) if durations_path else {}
    for path in split(weights(files, sizes, durations), total)[index - 1]:
        click.echo(path)
    return 0


@ci_group.command("init")
@click.option("--repo", default=DEFAULT_REPO, show_default=True, help="where pytest-piv lives")
@click.option("--ref", "sha", default=None, help="the pytest-piv commit to pin (full SHA)")
@click.option("--shards", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--yes", is_flag=True, help="write the file (otherwise only show it)")
@click.option("--force", is_flag=True, help="replace a caller that differs")
@click.pass_context
def init_command(
    ctx: click.Context, repo: str, sha: str | None, shards: int, yes: bool, force: bool
) -> int:
    """Write the caller of pytest-piv's reusable workflow into .github/workflows/."""
    piv = project_config(ctx)
    for problem in (check_repo(repo), check_sha(sha) if sha is not None else None):
        if problem:
            raise UsageError(problem)
    settings = CallerSettings(repo=repo, shards=shards)
    if sha is not None:
        settings = settings._replace(sha=sha, label=f"pytest-piv at {sha[:12]}")
    text = caller_workflow(settings)
    target = piv.root / CALLER_PATH
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if current == text:
        click.echo(f"piv ci init: {CALLER_PATH} is up to date")
        return 0
    if not yes:
        click.echo(text, nl=False)
        verb = "replace" if current is not None else "write"
        click.echo(f"piv ci init: would {verb} {CALLER_PATH} (run again with --yes)")
        return 0
    if current is not None and not force:
        raise UsageError(
            f"{CALLER_PATH} exists and differs; nothing written (hint: --force replaces it)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"piv ci init: wrote {CALLER_PATH}" + ("" if sha else " (pin it: --ref SHA)"))
    return 0
