"""The memray backend: track a stretch of code (or a whole command), read the capture.

memray is an optional dependency (``pip install 'pytest-piv[profile]'``); this module is
imported only when memory is measured. Captures keep every allocation
(``FileFormat.ALL_ALLOCATIONS``) so that total bytes per site can be counted; the HTML
flame graph comes from ``memray flamegraph --no-web`` (self-contained, no CDN).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import memray

from pytest_piv.profiling.memory import Allocation, MemProfile, sites
from pytest_piv.tools import ToolResult, find_tool, run_tool

#: allocators that release memory rather than allocate it
_RELEASES = {
    memray.AllocatorType.FREE,
    memray.AllocatorType.PYMALLOC_FREE,
    memray.AllocatorType.MUNMAP,
}
HTML_TIMEOUT_S = 120.0


def track(capture: Path) -> memray.Tracker:
    """A tracker of every allocation of the code in its ``with`` block, into ``capture``.

    The tracker itself is returned, not wrapped in a generator: memray shadows the Python
    stack from the frame that enters it, and a generator frame that suspends confuses it.
    """
    capture.unlink(missing_ok=True)
    return memray.Tracker(capture, file_format=memray.FileFormat.ALL_ALLOCATIONS)


def _site(stack: Sequence[tuple[str, str, int]]) -> tuple[str, str, int]:
    if not stack:
        return ("<unknown>", "<unknown>", 0)
    function, file, line = stack[0]
    return (str(function), str(file), int(line))


def read(capture: Path) -> MemProfile:
    """The peak, sites at the peak, total bytes per site and leaked bytes of a capture."""
    reader = memray.FileReader(capture)
    try:
        peak = int(reader.metadata.peak_memory)
        at_peak = sites(
            Allocation(_site(r.stack_trace()), r.size, r.n_allocations)
            for r in reader.get_high_watermark_allocation_records(merge_threads=True)
        )
        leaked = sum(r.size for r in reader.get_leaked_allocation_records(merge_threads=True))
        allocated = sites(
            Allocation(_site(r.stack_trace()), r.size, r.n_allocations)
            for r in reader.get_allocation_records()
            if r.allocator not in _RELEASES
        )
    finally:
        reader.close()
    return MemProfile(peak=peak, at_peak=at_peak, allocated=allocated, leaked=leaked)


def write_html(capture: Path, output: Path) -> ToolResult:
    """A self-contained HTML flame graph of the peak (``memray flamegraph --no-web``)."""
    return run_tool(
        [_memray(), "flamegraph", "--no-web", "-f", "-o", str(output), str(capture)],
        timeout=HTML_TIMEOUT_S,
    )


def _memray() -> str:
    return find_tool("memray") or "memray"


def run_argv(capture: Path, command: Sequence[str]) -> list[str]:
    """``memray run`` for a Python command: ``python -m mod ...``, ``python file ...`` or a
    console script (``pytest ...``: its script file runs under memray's interpreter)."""
    args = list(command)
    if args and Path(args[0]).name.startswith("python"):
        args = args[1:]
        if args[:1] == ["-c"]:
            pass
        elif args[:1] != ["-m"] and not args:
            raise ValueError("a Python command needs a script, -m MODULE or -c CODE")
    elif args:
        script = args[0] if "/" in args[0] else shutil.which(args[0])
        if script is None:
            raise ValueError(f"{args[0]}: not found on PATH")
        args = [script, *args[1:]]
    else:
        raise ValueError("no command to profile")
    return [_memray(), "run", "-q", "-f", "-o", str(capture), *args]


def run(capture: Path, command: Sequence[str], cwd: Path | None = None) -> ToolResult:
    """Run a Python command under ``memray run`` in the foreground."""
    capture.parent.mkdir(parents=True, exist_ok=True)
    return run_tool(run_argv(capture, command), cwd=cwd, capture=False)


def python() -> str:
    """The interpreter memray runs commands with (this one)."""
    return sys.executable
