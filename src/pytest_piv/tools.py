"""The one runner for external tools (ruff, mypy, py-spy, memray, detect-secrets, git, ...).

Every subprocess a piv command starts goes through :func:`run_tool`, so that a time budget
applies to each, a missing tool is one clear :class:`ToolMissingError` naming it and how to
install it, and an overrun is reported as such (:attr:`ToolResult.timed_out`) instead of
hanging the caller. It imports neither pytest nor click.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_piv.errors import PivError

#: how to install each tool piv knows, for the missing-tool message
INSTALL_HINTS: Mapping[str, str] = {
    "ruff": "pip install ruff",
    "mypy": "pip install mypy",
    "dmypy": "pip install mypy",
    "py-spy": "pip install py-spy",
    "memray": "pip install memray",
    "detect-secrets": "pip install detect-secrets",
    "detect-secrets-hook": "pip install detect-secrets",
    "pre-commit": "pip install pre-commit",
    "git": "install git from your system's package manager",
}


class ToolMissingError(PivError):
    """An external tool piv needs is not installed."""

    def __init__(self, tool: str) -> None:
        self.tool = tool
        hint = INSTALL_HINTS.get(tool, f"install {tool}")
        super().__init__(f"{tool} is not installed or not on PATH (hint: {hint})")


@dataclass(frozen=True)
class ToolResult:
    """What one tool run did: its exit code, output and time, and whether it overran."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (one owned by someone else counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_tool(name: str) -> str | None:
    """The path of ``name``: next to this interpreter first (its venv), then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def run_tool(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    capture: bool = True,
) -> ToolResult:
    """Run ``argv`` with a time budget; the whole process group is killed on overrun.

    ``argv[0]`` is looked up with :func:`find_tool`; a tool that is not found raises
    :class:`ToolMissingError`. Output is decoded as UTF-8 with replacement, never raising.
    ``capture=False`` lets the tool write to this process's stdout and stderr (its result
    then holds empty output), for a tool that runs the user's command in the foreground.
    """
    if not argv:
        raise ValueError("run_tool needs a command")
    executable = find_tool(argv[0]) if os.sep not in argv[0] else argv[0]
    if executable is None:
        raise ToolMissingError(argv[0])
    command = (executable, *argv[1:])
    quiet_stdin = subprocess.DEVNULL if capture else None
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.PIPE if stdin is not None else quiet_stdin,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
            start_new_session=capture,
        )
    except FileNotFoundError as exc:
        raise ToolMissingError(argv[0]) from exc
    try:
        out, err = process.communicate(
            stdin.encode() if stdin is not None else None, timeout=timeout
        )
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_group(process)
        out, err = process.communicate()
        timed_out = True
    return ToolResult(
        argv=tuple(argv),
        returncode=process.returncode,
        stdout=(out or b"").decode("utf-8", "replace"),
        stderr=(err or b"").decode("utf-8", "replace"),
        seconds=time.perf_counter() - started,
        timed_out=timed_out,
    )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
