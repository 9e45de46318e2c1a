"""A/B round times leave out the time a worker waited for a CPU, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_piv.baselines.clock import SCHEDSTAT, RunQueueClock, round_timer


def schedstat(path: Path, waited_ns: int) -> None:
    path.write_text(f"123456 {waited_ns} 7\n")


def test_the_wait_the_kernel_reports_during_a_round_is_taken_out_of_it(tmp_path: Path) -> None:
    stat = tmp_path / "schedstat"
    schedstat(stat, 2_000_000)
    clock = RunQueueClock.open(str(stat))
    assert clock is not None
    walls: list[float] = []

    def round_that_waited_15ms() -> None:
        start = time.perf_counter()
        time.sleep(0.03)
        schedstat(stat, 17_000_000)
        walls.append(time.perf_counter() - start)

    start = time.perf_counter()
    running = round_timer(clock)(round_that_waited_15ms)
    outer = time.perf_counter() - start
    # exactly the 15 ms the file reported, no more, no less
    assert walls[0] - 0.015 - 1e-6 <= running <= outer - 0.015 + 1e-6


def test_a_round_is_never_timed_below_zero(tmp_path: Path) -> None:
    stat = tmp_path / "schedstat"
    schedstat(stat, 0)
    clock = RunQueueClock.open(str(stat))
    assert clock is not None
    assert round_timer(clock)(lambda: schedstat(stat, 10**12)) == 0.0


def test_time_a_round_sleeps_on_purpose_stays_in_it() -> None:
    clock = RunQueueClock.open()
    assert round_timer(clock)(lambda: time.sleep(0.03)) >= 0.03


@pytest.mark.parametrize("content", ["", "not numbers\n", "1\n"])
def test_without_a_readable_schedstat_rounds_are_wall_time(tmp_path: Path, content: str) -> None:
    stat = tmp_path / "schedstat"
    stat.write_text(content)
    assert RunQueueClock.open(str(stat)) is None
    assert RunQueueClock.open(str(tmp_path / "missing")) is None
    assert round_timer(None)(lambda: time.sleep(0.01)) >= 0.01


@pytest.fixture
def neighbour_on_my_cpu() -> Iterator[None]:
    if not Path(SCHEDSTAT).exists() or not hasattr(os, "sched_setaffinity"):
        pytest.skip("needs Linux scheduler statistics and CPU affinity")
    before = os.sched_getaffinity(0)
    cpu = min(before)
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        os.sched_setaffinity(hog.pid, {cpu})
        os.sched_setaffinity(0, {cpu})
        yield
    finally:
        os.sched_setaffinity(0, before)
        hog.kill()
        hog.wait()


def spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


@pytest.mark.usefixtures("neighbour_on_my_cpu")
def test_the_kernel_counts_the_wait_a_cpu_bound_neighbour_causes() -> None:
    clock = RunQueueClock.open()
    assert clock is not None
    start = time.perf_counter()
    running = round_timer(clock)(lambda: spin(0.1))
    wall = time.perf_counter() - start
    # 0.1 s of CPU took about twice that beside the neighbour; the clock sees the CPU part
    assert wall > 0.15
    assert running < wall - 0.04
    assert running >= 0.095
