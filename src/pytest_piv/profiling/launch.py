"""``python -m pytest_piv.profiling.launch STATUS COMMAND...``: run COMMAND, keep its exit code.

``py-spy record`` exits 0 whatever its child did, so py-spy starts this small launcher,
which runs the command in the foreground and writes the command's exit code to STATUS.
Waiting, it is idle, and py-spy does not sample idle processes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_piv.tools import ToolMissingError, run_tool


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write("usage: python -m pytest_piv.profiling.launch STATUS COMMAND...\n")
        return 2
    status, *command = argv
    try:
        code = run_tool(command, capture=False).returncode
    except ToolMissingError as exc:
        sys.stderr.write(f"piv: {exc}\n")
        code = 127
    Path(status).write_text(str(code), encoding="utf-8")
    return code


if __name__ == "__main__":  # pragma: no cover - run by py-spy as a module
    sys.exit(main(sys.argv[1:]))
