"""``python -m pytest_piv.profiling.launch STATUS COMMAND...``: run COMMAND, keep its exit code.

``py-spy record`` exits 0 whatever its child did, so py-spy starts this small launcher,
which runs the command in the foreground and writes the command's exit code to STATUS.
Waiting, it is idle, and py-spy does not sample idle processes. It also tells the command
that it is the profiled one (:func:`profiled_run`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_piv.tools import ToolMissingError, run_tool

#: the pid of the process that started the profiled command: a pytest process whose parent
#: it is knows it is the profiled run (its own children, pytester runs among them, are not)
PARENT_ENV = "PIV_PROFILE_PARENT"
#: the run directory of the profiled command
DIR_ENV = "PIV_PROFILE_DIR"


def profiled_run() -> Path | None:
    """The run directory when this process is the command a piv profiler started."""
    where = os.environ.get(DIR_ENV)
    if where and os.environ.get(PARENT_ENV) == str(os.getppid()):
        return Path(where)
    return None


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write("usage: python -m pytest_piv.profiling.launch STATUS COMMAND...\n")
        return 2
    status, *command = argv
    try:
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        code = run_tool(command, capture=False, env=env).returncode
    except ToolMissingError as exc:
        sys.stderr.write(f"piv: {exc}\n")
        code = 127
    Path(status).write_text(str(code), encoding="utf-8")
    return code


if __name__ == "__main__":  # pragma: no cover - run by py-spy as a module
    sys.exit(main(sys.argv[1:]))
