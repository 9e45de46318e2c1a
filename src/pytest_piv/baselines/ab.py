"""Interleaved A/B runs: base and candidate in separate worker processes, rounds alternating.

For every pair of fresh worker processes (one runs pytest in the base checkout, one in
the candidate), the controller walks the benchmarks both sides have, in the same order.
For each, it calibrates one iteration count on the candidate, warms both up, then asks
them in turn for short chunks of rounds -- base first, then candidate first, alternately --
so both see the same machine, the same neighbours and the same thermal drift. Only one
worker runs at a time; the other waits on its pipe. Each pair yields one log ratio per
benchmark; :func:`~pytest_piv.baselines.verdicts.estimate_ab` turns the pairs into an
interval. A flagged or inconclusive benchmark gets more fresh pairs before it is judged.
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
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pytest_piv.baselines.channel import CHANNEL_ENV, Channel, ChannelClosed, Message
from pytest_piv.baselines.verdicts import (
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


@contextmanager
def _pair(
    base: Side, candidate: Side, args: Sequence[str], python: str, timeout: float, index: int
) -> Iterator[dict[str, _Worker]]:
    workers: dict[str, _Worker] = {}
    seed = random.randrange(1, 2**32 - 1)
    cpu = _cpu_for(index)
    try:
        workers[BASE] = _Worker(base, args, python, timeout, seed, cpu)
        workers[CANDIDATE] = _Worker(candidate, args, python, timeout, seed, cpu)
        yield workers
        for worker in workers.values():
            worker.finish()
    finally:
        for worker in workers.values():
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
    base: Side,
    candidate: Side,
    args: Sequence[str],
    options: ABOptions,
    data: PairData,
    names: Sequence[str] | None = None,
    python: str = sys.executable,
) -> None:
    """Run one fresh pair of workers and add one sample pair per common benchmark."""
    index = sum(len(p) for p in data.pairs.values())
    with _pair(base, candidate, args, python, options.timeout, index) as workers:
        seen = {side: list(w.recv("collected")["names"]) for side, w in workers.items()}
        for worker in workers.values():
            worker.pin()
        base_names = set(seen[BASE])
        order = [n for n in seen[CANDIDATE] if n in base_names]
        if names is not None:
            order = [n for n in order if n in set(names)]
        if not data.order:
            data.order = order
            data.base_only = base_names - set(seen[CANDIDATE])
            data.candidate_only = set(seen[CANDIDATE]) - base_names
        for worker in workers.values():
            worker.send({"op": "select", "names": order})
        for name in order:
            _measure_one(name, workers, options, data)


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


def _settled(c: Comparison, strict: Comparison, pairs: int, options: ABOptions) -> bool:
    """Whether a benchmark needs no more pairs.

    ``unchanged`` and ``improved`` stop a benchmark at the first look. A regression stops
    it early only when it holds at ``alpha`` divided by the number of looks (``strict``,
    Bonferroni over the looks, so that looking often cannot turn noise into an alarm);
    otherwise it must hold over ``pairs`` fresh pairs, and as many again when
    ``remeasure`` is on.
    """
    if c.verdict in (Verdict.UNCHANGED, Verdict.IMPROVED):
        return True
    if c.verdict is Verdict.REGRESSED:
        full = pairs >= options.pairs * (2 if options.remeasure else 1)
        return full or strict.verdict is Verdict.REGRESSED
    return c.verdict is not Verdict.INCONCLUSIVE


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

    After ``MIN_PAIRS`` pairs every benchmark is judged after each pair; only the
    undecided ones (inconclusive, or a regression not yet confirmed over ``pairs`` pairs,
    twice that with ``remeasure``) go on, up to that many pairs or the time ``budget``.
    """
    data = PairData()
    most = max(options.pairs * (2 if options.remeasure else 1), MIN_PAIRS)
    looks = most - min(MIN_PAIRS, options.pairs) + 1
    deadline = None if options.budget is None else time.monotonic() + options.budget
    wanted = None if names is None else list(names)
    comparisons: list[Comparison] = []
    errors: dict[str, str] = {}
    measured = 0
    out_of_time = False
    for index in range(most):
        if deadline is not None and time.monotonic() >= deadline:
            out_of_time = True
            progress(f"time budget of {options.budget:g}s spent after {measured} pairs")
            break
        progress(f"pair {index + 1}/{most}")
        measure_pair(base, candidate, args, options, data, names=wanted, python=python)
        measured += 1
        if not data.order:
            break
        if index + 1 < min(MIN_PAIRS, options.pairs):
            continue
        found, errors = evidence(data, threshold_for)
        comparisons = judge(found, alpha)
        strict = judge(found, alpha / looks)
        wanted = [
            c.name
            for c, s in zip(comparisons, strict, strict=True)
            if c.name in data.pairs and not _settled(c, s, len(data.pairs[c.name]), options)
        ]
        if not wanted:
            progress(f"every benchmark decided after {measured} pairs")
            break
    if not comparisons:
        found, errors = evidence(data, threshold_for)
        comparisons = judge(found, alpha)
    return ABRun(comparisons, errors, measured, out_of_time)
