"""The ``piv`` command line: one module per command, one error handler, exit codes.

Exit codes: 0 ok, 1 a gate failed, 2 usage error, 3 unexpected error (with a log file),
130 interrupted.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from pytest_piv import __version__
from pytest_piv.cli.bench import bench_group
from pytest_piv.cli.config_cmd import config_group
from pytest_piv.cli.coverage import coverage_group
from pytest_piv.cli.log import log_command
from pytest_piv.cli.rgr import rgr_group
from pytest_piv.cli.state import state_group
from pytest_piv.cli.status import status_command
from pytest_piv.errors import PivError

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_UNEXPECTED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="piv")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="the project root (default: the nearest directory with pyproject.toml or .git)",
)
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """pytest-piv: quality gates for the Plan-Implement-Validate loop."""
    ctx.obj = root


cli.add_command(status_command)
cli.add_command(log_command)
cli.add_command(rgr_group)
cli.add_command(state_group)
cli.add_command(config_group)
cli.add_command(coverage_group)
cli.add_command(bench_group)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``piv``; every error becomes one line and an exit code, never a traceback."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except PivError as exc:
        click.echo(f"piv: error: {exc}", err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("piv: interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("piv: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except Exception:
        log = Path(tempfile.gettempdir()) / "piv-error.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        click.echo(f"piv: unexpected error: {sys.exc_info()[1]!r} (details in {log})", err=True)
        return EXIT_UNEXPECTED
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
