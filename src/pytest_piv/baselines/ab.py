"""Interleaved A/B runs: base and candidate in separate worker processes, rounds alternating.

For every pair of fresh worker processes (one runs pytest in the base checkout, one in
the candidate), the controller walks the benchmarks both sides have, in the same order.
For each, it calibrates one iteration count on the candidate (once per run, reused by
every pair), warms both up, then asks them in turn for short chunks of rounds -- base
first, then candidate first, alternately -- so both see the same machine, the same
neighbours and the same thermal drift. Only one worker runs at a time; the other waits on
its pipe. Workers time a round without the time they waited for a CPU
(:mod:`pytest_piv.baselines.clock`), so a busy neighbour does not drown a 10 ms round.

Each pair yields one log ratio per benchmark; :func:`~pytest_piv.baselines.verdicts.estimate_ab`
turns the pairs into an interval, and :func:`decide` runs the sequential test: after
``MIN_PAIRS`` pairs, a benchmark stops as soon as it is decided, with ``alpha`` spent over
the looks (:class:`Looks`). The next pair's workers start while the current pair measures,
so pytest's start-up is paid once, not once per pair.
"""

from __future__ import annotations

import importlib.util
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from pytest_piv.baselines.channel import CHANNEL_ENV, Channel, ChannelClosed, Message
from pytest_piv.baselines.clock import WALL
from pytest_piv.baselines.verdicts import (
    SETTLE,
    Comparison,
    Evidence,
    Summary,
    Verdict,
    estimate_ab,
    judge,
)
from pytest_piv.errors import PivError

WORKER_PLUGIN = "pytest_piv.plugin.ab_worker"
BASE, CANDIDATE = "base", "candidate"


class ABError(PivError):
    """An A/B worker could not be started or stopped answering."""


@dataclass(frozen=True)
class ABOptions:
    """How long and how finely each benchmark is measured per process pair."""

    pairs: int = 5
    side_time: float = 0.1
    round_time: float = 0.002
    chunk_time: float = 0.01
    warmup_rounds: int = 2
    min_rounds: int = 10
    timeout: float = 300.0
    remeasure: bool = True
    #: seconds after which no new pair starts (None: no limit)
    budget: float | None = None


@dataclass(frozen=True)
class Side:
    """Where one side's pytest runs and what its imports see first."""

    root: Path
    pythonpath: tuple[Path, ...] = ()

    @classmethod
    def of(cls, root: Path) -> Side:
        paths = tuple(p for p in (root / "src", root) if p.is_dir())
        return cls(root, paths)


@dataclass
class PairData:
    """Everything measured so far, accumulated over process pairs."""

    pairs: dict[str, list[list[tuple[list[float], list[float]]]]] = field(default_factory=dict)
    iterations: dict[str, int] = field(default_factory=dict)
    base_only: set[str] = field(default_factory=set)
    candidate_only: set[str] = field(default_factory=set)
    order: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    #: how the workers timed a round (:mod:`pytest_piv.baselines.clock`)
    clock: str = WALL


class _Worker:
    def __init__(
        self,
        side: Side,
        args: Sequence[str],
        python: str,
        timeout: float,
        seed: int,
        cpu: int | None,
    ) -> None:
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}
        extra = os.pathsep.join(str(p) for p in side.pythonpath)
        env["PYTHONPATH"] = os.pathsep.join(x for x in (extra, env.get("PYTHONPATH", "")) if x)
        env[CHANNEL_ENV] = f"{to_worker_r},{from_worker_w}"
        env.pop("PYTEST_ADDOPTS", None)
        env["PYTHONHASHSEED"] = str(seed)
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish)
        self.timeout = timeout
        self.side = side
        self.process = subprocess.Popen(
            [python, "-m", "pytest", *_worker_flags(), *args],
            cwd=side.root,
            env=env,
            pass_fds=(to_worker_r, from_worker_w),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        os.close(to_worker_r)
        os.close(from_worker_w)
        self.cpu = cpu
        self.channel = Channel(from_worker_r, to_worker_w)

    def pin(self) -> None:
        """Move to the pair's CPU once started: both start up in parallel, then share it."""
        _pin(self.process.pid, self.cpu)

    def send(self, message: Message) -> None:
        try:
            self.channel.send(message)
        except ChannelClosed as exc:
            raise self._failure(str(exc)) from None

    def recv(self, *ops: str) -> Message:
        try:
            message = self.channel.recv(self.timeout)
        except ChannelClosed as exc:
            raise self._failure(str(exc)) from None
        if ops and message.get("op") not in ops:
            raise self._failure(f"expected {'/'.join(ops)}, got {message.get('op')!r}")
        return message

    def _failure(self, why: str) -> ABError:
        self.stop()
        self.log.seek(0)
        tail = self.log.read().decode(errors="replace").strip().splitlines()[-15:]
        detail = ("\n" + "\n".join(tail)) if tail else ""
        return ABError(f"the {self.side.root} worker stopped answering ({why}){detail}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.channel.close()

    def finish(self) -> None:
        self.recv("finished")
        try:
            self.process.wait(self.timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.channel.close()
        self.log.close()


def _pin(pid: int, cpu: int | None) -> None:
    """Put both workers of a pair on one CPU: then a busy neighbour slows them alike."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        with suppress(OSError):
            os.sched_setaffinity(pid, {cpu})


def _cpu_for(pair_index: int) -> int | None:
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[pair_index % len(cpus)] if cpus else None


def _worker_flags() -> list[str]:
    flags = ["-p", "no:benchmark", "-p", "no:piv", "-p", "no:cacheprovider"]
    flags += ["-p", WORKER_PLUGIN, "-q", "--no-header", "-o", "console_output_style=classic"]
    if importlib.util.find_spec("xdist") is not None:
        flags += ["-n", "0"]
    return flags


class _Pair:
    """Two fresh workers, one per side, with the same hash seed and (once pinned) CPU.

    ``pin_now`` pins them as they start: a pair started ahead of its turn then does its
    start-up on the CPU it will measure on, not on the one the pair before it is measuring
    on. The first pair is pinned after start-up, so its two workers start in parallel.
    """

    def __init__(
        self,
        base: Side,
        candidate: Side,
        args: Sequence[str],
        python: str,
        timeout: float,
        index: int,
        pin_now: bool = False,
    ) -> None:
        seed = random.randrange(1, 2**32 - 1)
        cpu = _cpu_for(index)
        self.workers: dict[str, _Worker] = {}
        try:
            self.workers[BASE] = _Worker(base, args, python, timeout, seed, cpu)
            self.workers[CANDIDATE] = _Worker(candidate, args, python, timeout, seed, cpu)
        except BaseException:
            self.stop()
            raise
        if pin_now:
            for worker in self.workers.values():
                worker.pin()

    def finish(self) -> None:
        for worker in self.workers.values():
            worker.finish()

    def stop(self) -> None:
        for worker in self.workers.values():
            if worker.process.poll() is None:
                worker.stop()


def _chunks(total: int, chunk: int) -> Iterator[tuple[int, tuple[str, str]]]:
    """Chunks of rounds with the side that goes first alternating: AB, BA, AB, ..."""
    turn = 0
    while total > 0:
        size = min(chunk, total)
        yield size, (BASE, CANDIDATE) if turn % 2 == 0 else (CANDIDATE, BASE)
        total -= size
        turn += 1


def measure_pair(
    pair: _Pair, options: ABOptions, data: PairData, names: Sequence[str] | None = None
) -> None:
    """Measure on one fresh pair of workers: one sample pair per common benchmark."""
    workers = pair.workers
    seen = {side: w.recv("collected") for side, w in workers.items()}
    for worker in workers.values():
        worker.pin()
    data.clock = min(str(m.get("clock", WALL)) for m in seen.values())
    base_names = set(seen[BASE]["names"])
    candidate_names = list(seen[CANDIDATE]["names"])
    order = [n for n in candidate_names if n in base_names]
    if names is not None:
        order = [n for n in order if n in set(names)]
    if not data.order:
        data.order = order
        data.base_only = base_names - set(candidate_names)
        data.candidate_only = set(candidate_names) - base_names
    for worker in workers.values():
        worker.send({"op": "select", "names": order})
    for name in order:
        _measure_one(name, workers, options, data)
    pair.finish()


def _measure_one(
    name: str, workers: Mapping[str, _Worker], options: ABOptions, data: PairData
) -> None:
    arrived = {side: w.recv("ready", "absent") for side, w in workers.items()}
    if any(m["op"] != "ready" or m.get("name") != name for m in arrived.values()):
        for side, message in arrived.items():
            if message["op"] == "ready":
                workers[side].send({"op": "done"})
        data.errors.setdefault(name, "the test did not call the benchmark fixture on both sides")
        return
    if name not in data.iterations:
        workers[CANDIDATE].send({"op": "calibrate", "min_time": options.round_time})
        reply = workers[CANDIDATE].recv("calibrated", "error")
        if reply["op"] == "error":
            _abandon(name, CANDIDATE, reply, workers, data)
            return
        data.iterations[name] = int(reply["iterations"])
        data.errors.pop(name, None)
    iterations = data.iterations[name]
    blocks: list[tuple[list[float], list[float]]] = []
    round_seconds = options.round_time
    warm = {"op": "run", "iterations": iterations, "rounds": options.warmup_rounds}
    for side, worker in workers.items():
        worker.send(warm)
        reply = worker.recv("times", "error")
        if reply["op"] == "error":
            _abandon(name, side, reply, workers, data)
            return
        round_seconds = max(round_seconds, min(reply["times"]) * iterations)
    total = max(options.min_rounds, math.ceil(options.side_time / round_seconds))
    chunk = max(2, math.floor(options.chunk_time / round_seconds))
    for size, sides in _chunks(total, chunk):
        block: dict[str, list[float]] = {}
        for side in sides:
            workers[side].send({"op": "run", "iterations": iterations, "rounds": size})
            reply = workers[side].recv("times", "error")
            if reply["op"] == "error":
                _abandon(name, side, reply, workers, data)
                return
            block[side] = [float(t) for t in reply["times"]]
        blocks.append((block[BASE], block[CANDIDATE]))
    for worker in workers.values():
        worker.send({"op": "done"})
    data.pairs.setdefault(name, []).append(blocks)


def _abandon(
    name: str, failed: str, reply: Message, workers: Mapping[str, _Worker], data: PairData
) -> None:
    data.errors[name] = f"{failed}: {reply.get('message', 'error')}"
    for side, worker in workers.items():
        if side != failed:
            worker.send({"op": "done"})


def evidence(
    data: PairData, threshold_for: Callable[[str], float]
) -> tuple[list[Evidence], dict[str, str]]:
    """Evidence per benchmark from the pairs measured so far, plus benchmarks that failed."""
    found: list[Evidence] = []
    for name in data.order:
        pairs = data.pairs.get(name)
        if not pairs:
            continue
        base = Summary.of([b for blocks in pairs for b, _ in blocks])
        cand = Summary.of([c for blocks in pairs for _, c in blocks])
        found.append(Evidence(name, threshold_for(name), base, cand, estimate_ab(pairs)))
    for name in sorted(data.candidate_only):
        found.append(Evidence(name, threshold_for(name), None, None, None, only="candidate"))
    for name in sorted(data.base_only):
        found.append(Evidence(name, threshold_for(name), None, None, None, only="base"))
    errors = {n: why for n, why in data.errors.items() if n not in data.pairs}
    return found, errors


#: Pairs every benchmark gets before an early decision: with two, Student's t has one
#: degree of freedom and cannot rule anything out.
MIN_PAIRS = 3


@dataclass(frozen=True)
class ABRun:
    """The verdicts of an A/B run, benchmarks that failed, and what it cost."""

    comparisons: list[Comparison]
    errors: dict[str, str]
    pairs: int
    out_of_time: bool
    clock: str = WALL


@dataclass(frozen=True)
class Looks:
    """The levels at which a regression may be called, look by look (alpha spending).

    A benchmark is looked at after every pair from ``MIN_PAIRS`` on. Half of ``alpha`` is
    spent evenly over the interim looks (a regression that holds there stops early), the
    other half at the last look (``pairs`` pairs, twice that with ``remeasure``): by
    Bonferroni, the chance that noise is called a regression at *any* look stays within
    ``alpha``, however often the benchmark is looked at. ``unchanged`` and ``improved``
    stop a benchmark at any look; they raise no alarm.
    """

    first: int
    last: int
    alpha: float

    @classmethod
    def of(cls, options: ABOptions, alpha: float) -> Looks:
        last = max(options.pairs * (2 if options.remeasure else 1), MIN_PAIRS)
        return cls(min(MIN_PAIRS, options.pairs), last, alpha)

    @property
    def interim(self) -> float:
        """The level of each look before the last."""
        return self.alpha / 2 / max(1, self.last - self.first)

    def level(self, pairs: int) -> float:
        return self.alpha / 2 if pairs >= self.last else self.interim


def undecided(
    data: PairData, threshold_for: Callable[[str], float], looks: Looks
) -> tuple[list[Comparison], dict[str, str], list[str]]:
    """The verdicts so far, the failed benchmarks, and the benchmarks that need more pairs.

    A benchmark's verdict is taken at the level its own number of pairs allows
    (:class:`Looks`); Holm holds it across the suite at that level.
    """
    found, errors = evidence(data, threshold_for)
    final = {c.name: c for c in judge(found, looks.alpha / 2)}
    interim = {c.name: c for c in judge(found, looks.interim)}
    comparisons: list[Comparison] = []
    wanted: list[str] = []
    for e in found:
        done = len(data.pairs.get(e.name, ()))
        c = final[e.name] if done >= looks.last else interim[e.name]
        if c.verdict is Verdict.REGRESSED or done >= looks.last:
            comparisons.append(c)
            continue
        # not (yet) a regression at this look: what the final level says, so that an
        # undecided benchmark reads as it would at the end, but never an alarm
        shown = final[e.name]
        if shown.verdict is Verdict.REGRESSED:
            shown = replace(
                shown,
                verdict=Verdict.INCONCLUSIVE,
                reason=shown.reason.replace("slower by", "slower, not yet confirmed, by", 1),
                settle=SETTLE["ab"],
            )
        comparisons.append(shown)
        if shown.verdict is Verdict.INCONCLUSIVE and e.name in data.pairs:
            wanted.append(e.name)
    return comparisons, errors, wanted


def decide(
    measure: Callable[[int, Sequence[str] | None, bool], None],
    data: PairData,
    options: ABOptions,
    threshold_for: Callable[[str], float],
    alpha: float,
    progress: Callable[[str], None] = lambda _: None,
    names: Sequence[str] | None = None,
) -> ABRun:
    """Measure pair after pair until every benchmark is decided (the sequential test).

    ``measure(index, names, more)`` adds one pair's samples of ``names`` (None: all) to
    ``data``; ``more`` says whether another pair may follow. After ``MIN_PAIRS`` pairs every
    benchmark is judged after each pair (:func:`undecided`); only the undecided ones go
    on, up to the last look or the time ``budget``.
    """
    looks = Looks.of(options, alpha)
    deadline = None if options.budget is None else time.monotonic() + options.budget
    wanted = None if names is None else list(names)
    comparisons: list[Comparison] = []
    errors: dict[str, str] = {}
    measured = 0
    out_of_time = False
    for index in range(looks.last):
        if deadline is not None and time.monotonic() >= deadline:
            out_of_time = True
            progress(f"time budget of {options.budget:g}s spent after {measured} pairs")
            break
        progress(f"pair {index + 1}/{looks.last}")
        measure(index, wanted, index + 1 < looks.last)
        measured += 1
        if not data.order:
            break
        if index + 1 < looks.first:
            continue
        comparisons, errors, wanted = undecided(data, threshold_for, looks)
        if not wanted:
            progress(f"every benchmark decided after {measured} pairs")
            break
    if not comparisons:
        comparisons, errors, _ = undecided(data, threshold_for, looks)
    return ABRun(comparisons, errors, measured, out_of_time, data.clock)


def run_ab(
    base: Side,
    candidate: Side,
    args: Sequence[str],
    options: ABOptions,
    threshold_for: Callable[[str], float],
    alpha: float,
    python: str = sys.executable,
    progress: Callable[[str], None] = lambda _: None,
    names: Sequence[str] | None = None,
) -> ABRun:
    """Measure base against candidate over fresh pairs, stopping once all are decided.

    The next pair's workers start while the current pair measures (pinned to the other
    CPU), so a pair's cost is its measuring, not pytest's start-up: a pair started ahead
    and not needed is stopped unused.
    """
    data = PairData()
    ahead: list[_Pair] = []

    def start(index: int, pin_now: bool) -> _Pair:
        return _Pair(base, candidate, args, python, options.timeout, index, pin_now)

    def measure(index: int, wanted: Sequence[str] | None, more: bool) -> None:
        pair = ahead.pop() if ahead else start(index, pin_now=False)
        try:
            if more:
                ahead.append(start(index + 1, pin_now=True))
            measure_pair(pair, options, data, names=wanted)
        finally:
            pair.stop()

    try:
        return decide(measure, data, options, threshold_for, alpha, progress, names)
    finally:
        for pair in ahead:
            pair.stop()
