"""The pytest side of an A/B worker process (``-p pytest_piv.plugin.ab_worker``).

``piv bench ab`` starts pytest twice per process pair -- in the base checkout and in the
candidate -- with pytest-benchmark blocked and this plugin in its place. Its
``benchmark`` fixture does not time anything on its own: when a test calls it, it tells
the controller it is ready and then runs exactly the rounds the controller asks for, so
the controller can alternate base and candidate round by round.
"""

from __future__ import annotations

import gc
import math
import os
import traceback
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from pytest_piv.baselines.channel import CHANNEL_ENV, Channel, Message
from pytest_piv.baselines.clock import RUN_QUEUE, WALL, RunQueueClock, round_timer

CHANNEL_KEY = pytest.StashKey[Channel]()
USED_KEY = pytest.StashKey[set[str]]()
CLOCK_KEY = pytest.StashKey[RunQueueClock | None]()
MAX_ITERATIONS = 10_000_000


def pytest_addoption(parser: pytest.Parser) -> None:
    """Accept the blocked plugins' options, so ``addopts`` that name them still parse."""
    try:
        from pytest_benchmark import plugin as benchmark_plugin
    except ImportError:
        pass
    else:
        benchmark_plugin.pytest_addoption(parser)  # type: ignore[no-untyped-call]
    from pytest_piv import plugin as piv_plugin

    add_piv_options = getattr(piv_plugin, "pytest_addoption", None)
    if add_piv_options is not None:
        add_piv_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "benchmark: pytest-benchmark settings (ignored in A/B)")
    config.addinivalue_line("markers", "piv_bench(threshold): pytest-piv benchmark settings")
    channel_spec = os.environ.get(CHANNEL_ENV)
    if channel_spec:
        config.stash[CHANNEL_KEY] = Channel.from_env(channel_spec)
        config.stash[USED_KEY] = set()
        # opened in the thread that runs the tests: the wait it reads is that thread's
        config.stash[CLOCK_KEY] = RunQueueClock.open()
        config.pluginmanager.register(WorkerSession(config), "piv-ab-worker")


class WorkerSession:
    """Reports the benchmarks collected, runs the selection, says when it is done."""

    def __init__(self, config: pytest.Config) -> None:
        self.channel = config.stash[CHANNEL_KEY]
        self.used = config.stash[USED_KEY]
        self.clock = RUN_QUEUE if config.stash[CLOCK_KEY] is not None else WALL

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        benches = [i for i in items if "benchmark" in getattr(i, "fixturenames", ())]
        names = [i.nodeid for i in benches]
        self.channel.send({"op": "collected", "names": names, "clock": self.clock})
        selected = self.channel.recv()["names"]
        by_id = {i.nodeid: i for i in benches}
        keep = [by_id[name] for name in selected if name in by_id]
        kept = {id(i) for i in keep}
        dropped = [i for i in items if id(i) not in kept]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            return (yield)
        finally:
            if item.nodeid not in self.used:
                self.channel.send({"op": "absent", "name": item.nodeid})

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        self.channel.send({"op": "finished"})


class ABBenchmark:
    """Stands in for pytest-benchmark's fixture; the controller decides every round."""

    def __init__(
        self, name: str, channel: Channel, used: set[str], clock: RunQueueClock | None = None
    ) -> None:
        self.name = name
        self.fullname = name
        self.group: str | None = None
        self.extra_info: dict[str, object] = {}
        self._channel = channel
        self._used = used
        self._time = round_timer(clock)

    def __call__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def timed(iterations: int) -> float:
            loops = range(iterations)

            def body() -> None:
                for _ in loops:
                    function(*args, **kwargs)

            return self._time(body)

        self._serve(timed, fixed=None)
        return function(*args, **kwargs)

    def pedantic(
        self,
        target: Callable[..., Any],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        setup: Callable[[], Any] | None = None,
        teardown: Callable[..., Any] | None = None,
        rounds: int = 1,
        warmup_rounds: int = 0,
        iterations: int = 1,
    ) -> Any:
        """Like pytest-benchmark's; ``rounds`` and ``warmup_rounds`` are the controller's."""
        del rounds, warmup_rounds

        def arguments() -> tuple[tuple[Any, ...], dict[str, Any]]:
            made = setup() if setup is not None else None
            return made if made else (args, kwargs or {})

        def timed(count: int) -> float:
            call_args, call_kwargs = arguments()

            def body() -> None:
                for _ in range(count):
                    target(*call_args, **call_kwargs)

            elapsed = self._time(body)
            if teardown is not None:
                teardown(*call_args, **call_kwargs)
            return elapsed

        self._serve(timed, fixed=iterations)
        call_args, call_kwargs = arguments()
        return target(*call_args, **call_kwargs)

    def _serve(self, timed: Callable[[int], float], fixed: int | None) -> None:
        self._used.add(self.name)
        self._channel.send({"op": "ready", "name": self.name})
        gc.collect()
        for message in self._commands():
            try:
                self._channel.send(_answer(message, timed, fixed))
            except Exception as exc:
                summary = traceback.format_exception_only(exc)[-1].strip()
                self._channel.send({"op": "error", "message": summary})
                raise

    def _commands(self) -> Iterator[Message]:
        while (message := self._channel.recv())["op"] != "done":
            yield message


def _answer(message: Message, timed: Callable[[int], float], fixed: int | None) -> Message:
    if message["op"] == "calibrate":
        return {"op": "calibrated", "iterations": fixed or _calibrate(timed, message["min_time"])}
    iterations = int(message["iterations"])
    times = [timed(iterations) / iterations for _ in range(int(message["rounds"]))]
    return {"op": "times", "times": times}


def _calibrate(timed: Callable[[int], float], min_time: float) -> int:
    """The smallest iteration count (about) whose round takes at least ``min_time``."""
    iterations = 1
    while iterations < MAX_ITERATIONS:
        elapsed = timed(iterations)
        if elapsed >= min_time:
            return iterations
        grow = min_time / elapsed * 1.2 if elapsed > 0 else 10.0
        iterations = min(MAX_ITERATIONS, max(iterations + 1, math.ceil(iterations * grow)))
    return iterations


@pytest.fixture
def benchmark(request: pytest.FixtureRequest) -> ABBenchmark:
    """The A/B stand-in for pytest-benchmark's ``benchmark`` fixture."""
    config = request.config
    if CHANNEL_KEY not in config.stash:
        pytest.skip("the A/B benchmark fixture only runs under `piv bench ab`")
    return ABBenchmark(
        request.node.nodeid,
        config.stash[CHANNEL_KEY],
        config.stash[USED_KEY],
        config.stash[CLOCK_KEY],
    )
