"""The ``piv`` command line: one module per command, one error handler, exit codes.

Exit codes: 0 ok, 1 a gate failed, 2 usage error, 3 unexpected error (with a log file),
130 interrupted.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from pytest_piv import __version__
from pytest_piv.errors import PivError

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_UNEXPECTED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

#: each command's module and object: imported when the command runs, so that
#: ``piv coverage check`` does not pay for the benchmark gate's imports, and so on
COMMANDS = {
    "status": ("pytest_piv.cli.status", "status_command"),
    "log": ("pytest_piv.cli.log", "log_command"),
    "rgr": ("pytest_piv.cli.rgr", "rgr_group"),
    "state": ("pytest_piv.cli.state", "state_group"),
    "config": ("pytest_piv.cli.config_cmd", "config_group"),
    "coverage": ("pytest_piv.cli.coverage", "coverage_group"),
    "bench": ("pytest_piv.cli.bench", "bench_group"),
    "validate": ("pytest_piv.cli.validate", "validate_command"),
    "hooks": ("pytest_piv.cli.hooks", "hooks_group"),
    "gates": ("pytest_piv.cli.gates", "gates_group"),
    "checkpoint": ("pytest_piv.cli.checkpoint", "checkpoint_group"),
    "checkpoints": ("pytest_piv.cli.checkpoint", "checkpoints_command"),
    "rollback": ("pytest_piv.cli.checkpoint", "rollback_command"),
    "resume": ("pytest_piv.cli.checkpoint", "resume_command"),
    "progress": ("pytest_piv.cli.progress", "progress_command"),
    "profile": ("pytest_piv.cli.profile", "profile_group"),
    "ci": ("pytest_piv.cli.ci", "ci_group"),
    "demo": ("pytest_piv.cli.demo", "demo_command"),
    "doctor": ("pytest_piv.cli.doctor", "doctor_command"),
    "init": ("pytest_piv.cli.init", "init_command"),
    "verify": ("pytest_piv.cli.verify", "verify_command"),
    "report": ("pytest_piv.cli.report", "report_group"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when they are asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, name = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), name)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``piv``; every error becomes one line and an exit code, never a traceback."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except PivError as exc:
        from pytest_piv.report.text import printable

        click.echo(f"piv: error: {printable(exc)}", err=True)
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
        from pytest_piv.cli.errorlog import write_error_log

        log = write_error_log(traceback.format_exc())
        details = f"details in {log}" if log else "no log file could be written"
        click.echo(f"piv: unexpected error: {sys.exc_info()[1]!r} ({details})", err=True)
        return EXIT_UNEXPECTED
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
