"""Round times that leave out the time a worker stood in the run queue.

On a busy machine a CPU-bound neighbour takes the worker's CPU for whole scheduler slices
(several milliseconds): a 10 ms round then takes 10-20 ms of wall time, and a handful of
rounds rarely holds one that was never pre-empted. Linux counts, per thread, how long the
thread was runnable but waiting for a CPU (``run_delay``, the second field of
``/proc/thread-self/schedstat``, in nanoseconds, updated whenever the thread is switched
back in). Subtracting it from the wall time of a round gives the time the round really
ran -- plus any time it slept on purpose (I/O, ``time.sleep``), which stays in: only the
neighbours' share of the CPU is taken out. Where the file is missing (not Linux, or a
kernel without scheduler statistics) rounds are plain wall time.

The reads bracket the round *inside* the wall-clock interval, so a wait is subtracted only
when it also lies within the interval: a round is never made shorter than it ran.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import suppress

SCHEDSTAT = "/proc/thread-self/schedstat"
WALL = "wall time"
RUN_QUEUE = "wall time less run-queue wait"


class RunQueueClock:
    """Seconds the current thread has waited for a CPU so far (Linux schedstat)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    @classmethod
    def open(cls, path: str = SCHEDSTAT) -> RunQueueClock | None:
        """The clock for the calling thread, or None where the kernel does not offer it."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        clock = cls(fd)
        try:
            clock.waited()
        except (OSError, ValueError, IndexError):
            clock.close()
            return None
        return clock

    def waited(self) -> float:
        return int(os.pread(self._fd, 128, 0).split()[1]) / 1e9

    def close(self) -> None:
        with suppress(OSError):
            os.close(self._fd)


def round_timer(clock: RunQueueClock | None) -> Callable[[Callable[[], None]], float]:
    """A function that times one call of ``body`` with the run-queue wait taken out."""
    counter = time.perf_counter
    if clock is None:

        def wall(body: Callable[[], None]) -> float:
            start = counter()
            body()
            return counter() - start

        return wall
    waited = clock.waited

    def running(body: Callable[[], None]) -> float:
        start = counter()
        before = waited()
        body()
        after = waited()
        return max(0.0, counter() - start - (after - before))

    return running
