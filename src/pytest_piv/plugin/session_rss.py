"""The session's peak resident memory: each process's own peak, summed over xdist
workers (each worker sends its own to the controller). No memray here: a CPU-only run
imports this too."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

import pytest

#: with PIV_PROFILE_REMEASURE, the fresh process re-runs a whole session (the memory probe)
SESSION_ENV = "PIV_PROFILE_REMEASURE_SESSION"
#: what an xdist worker sends its controller: its peak resident memory
WORKER_RSS = "piv_maxrss"


def maxrss_bytes() -> int:
    """This process's peak resident memory.

    On Linux ``VmHWM`` of ``/proc/self/status``: the high-water mark of this program
    image alone. ``ru_maxrss`` would not do there: a child inherits its parent's peak
    through fork and exec, so a process started by a big one (a re-measurement started by
    a controller that peaked at 250 MB) would report at least the parent's peak.
    Elsewhere ``ru_maxrss`` (bytes on macOS).
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # "VmHWM:   123456 kB"
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(value if sys.platform == "darwin" else value * 1024)


class WorkerRss:
    """An xdist worker's half: send this process's peak resident memory to the controller."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        self.config.workeroutput[WORKER_RSS] = maxrss_bytes()  # type: ignore[attr-defined]


class ControllerRss:
    """The controller's half, mixed into a plugin: collect each worker's peak as it goes
    down; :meth:`session_peak` is their sum, or this process's own peak without workers."""

    worker_rss: list[int]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object, error: object) -> None:
        rss = getattr(node, "workeroutput", {}).get(WORKER_RSS)
        if isinstance(rss, int):
            self.worker_rss.append(rss)

    def session_peak(self) -> int:
        return sum(self.worker_rss) if self.worker_rss else maxrss_bytes()
