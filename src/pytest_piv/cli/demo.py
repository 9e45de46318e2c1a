"""``piv demo``: one real Red-Green-Refactor cycle with ``pytest --piv``, step by step."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from pytest_piv.demo import STEPS, write_project
from pytest_piv.errors import UsageError

_PIV_LINE = ("piv:", "  violation", "  next")


def _run(cwd: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    return done.returncode, done.stdout + done.stderr


def _git_init(project: Path) -> None:
    for args in (
        ("init", "-q"),
        ("config", "user.email", "demo@example.com"),
        ("config", "user.name", "demo"),
        ("add", "-A"),
        ("commit", "-qm", "shop"),
    ):
        code, out = _run(project, "git", *args)
        if code != 0:
            raise UsageError(f"git {args[0]} failed in {project}: {out.strip()}")


def _walk(project: Path) -> bool:
    write_project(project)
    _git_init(project)
    ok = True
    for step in STEPS:
        step.edit(project)
        click.echo(f"\n### {step.title}")
        click.echo(f"$ pytest --piv -q {' '.join(step.pytest_args)}".rstrip())
        argv = (sys.executable, "-m", "pytest", "--piv", "-q", "-p", "no:cacheprovider")
        code, out = _run(project, *argv, *step.pytest_args)
        for line in out.splitlines():
            if line.startswith(_PIV_LINE):
                click.echo(line)
        tail = [line for line in out.splitlines() if line.strip()][-1:]
        click.echo(tail[0] if tail else "")
        seen = f"piv: {step.phase}" in out and code == step.exit_code
        click.echo(f"-> {'as expected' if seen else 'UNEXPECTED'} (exit {code})")
        ok = ok and seen
    click.echo("\n### 6. the evidence, from the piv CLI")
    for args in (("status",), ("log", "-n", "5")):
        click.echo(f"$ piv {' '.join(args)}")
        click.echo(_run(project, sys.executable, "-m", "pytest_piv", *args)[1].rstrip())
    return ok


@click.command("demo")
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="build the demo project in this new directory and keep it",
)
def demo_command(keep: Path | None) -> int:
    """Walk one real RED -> GREEN -> REFACTOR cycle with `pytest --piv` on a small project."""
    if keep is not None:
        if keep.exists() and any(keep.iterdir()):
            raise UsageError(f"--keep {keep}: the directory is not empty (name a new one)")
        keep.mkdir(parents=True, exist_ok=True)
        ok = _walk(keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="piv-demo-") as tmp:
            ok = _walk(Path(tmp) / "shop")
    if ok:
        click.echo("\ndemo: every step behaved as expected")
        return 0
    click.echo("\ndemo: some steps did not behave as expected", err=True)
    return 1
