"""The py-spy backend: record a command with py-spy as its parent, keep the profile.

``py-spy record --subprocesses`` follows every child the command starts (xdist workers
included). The recording is speedscope JSON; the SVG flame graph is drawn from it
(:mod:`pytest_piv.profiling.flamegraph`) rather than recording twice.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pytest_piv.profiling.cpu import LAUNCHER, CpuProfile, ProfileFormatError, parse_speedscope
from pytest_piv.profiling.flamegraph import render_svg
from pytest_piv.tools import find_tool, run_tool

SPEEDSCOPE = "cpu.speedscope.json"
FLAMEGRAPH = "cpu.svg"
STATUS = "exit-status"


def record_argv(
    tool: str,
    output: Path,
    rate: int,
    command: Sequence[str],
    *,
    subprocesses: bool = True,
    blocking: bool = True,
) -> list[str]:
    """The ``py-spy record`` command line that runs ``command`` as py-spy's child;
    without *blocking*, py-spy samples without pausing it (``--nonblocking``)."""
    argv = [tool, "record", "--rate", str(rate), "--format", "speedscope", "-o", str(output)]
    if subprocesses:
        argv.append("--subprocesses")
    if not blocking:
        argv.append("--nonblocking")
    return [*argv, "--", *command]


def record(
    command: Sequence[str],
    directory: Path,
    *,
    rate: int = 25,
    tool: str = "py-spy",
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    blocking: bool = True,
) -> int:
    """Run ``command`` under py-spy in the foreground (its output goes to this terminal);
    the command's exit code (py-spy's own is 0 whatever the command did, so the command
    runs under :mod:`pytest_piv.profiling.launch`, which keeps it). ``capture=True``
    keeps the command's and py-spy's output off the terminal."""
    directory.mkdir(parents=True, exist_ok=True)
    status = directory / STATUS
    status.unlink(missing_ok=True)
    launched = [sys.executable, "-m", LAUNCHER, str(status), *command]
    argv = record_argv(
        find_tool(tool) or tool, directory / SPEEDSCOPE, rate, launched, blocking=blocking
    )
    done = run_tool(argv, cwd=cwd, env=env, capture=capture)
    try:
        return int(status.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return done.returncode or 1


def load(directory: Path) -> CpuProfile:
    """The CPU profile kept in ``directory`` (raises ProfileFormatError when unreadable)."""
    path = directory / SPEEDSCOPE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProfileFormatError(f"{path}: no readable speedscope profile ({exc})") from None
    return parse_speedscope(data, skip_launcher=True)


def write_flamegraph(profile: CpuProfile, directory: Path, title: str) -> Path:
    """Draw the SVG flame graph beside the speedscope file; its path."""
    path = directory / FLAMEGRAPH
    path.write_text(render_svg(profile.stacks, title), encoding="utf-8")
    return path
