"""The benchmark gate's pytest shell (registered as ``piv-bench``, controller only).

Every test that uses pytest-benchmark's ``benchmark`` fixture takes part: after its call
phase the fixture's raw per-round data is kept. At the end of the session the run is
stored, compared with this machine's baseline (recording one if there is none), flagged
benchmarks are re-measured in a fresh process, and a confirmed regression fails the run
through ``session.exitstatus`` -- never by raising.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Generator
from typing import Any

import pytest

from pytest_piv.baselines import fresh
from pytest_piv.baselines.escalation import settle
from pytest_piv.baselines.machine import Fingerprint, fingerprint, load_per_core
from pytest_piv.baselines.remeasure import forwarded_options, remeasure
from pytest_piv.baselines.settings import parse_marker_threshold
from pytest_piv.baselines.verdicts import (
    Comparison,
    Evidence,
    Summary,
    Verdict,
    fastest_run,
    judge,
    process_noise,
    stored_evidence,
)
from pytest_piv.baselines.worktree import head
from pytest_piv.config import PivConfig
from pytest_piv.errors import ConfigError
from pytest_piv.plugin.bench_probe import uses_benchmark
from pytest_piv.plugin.workers import under_xdist
from pytest_piv.report import bench as report
from pytest_piv.store import bench as store
from pytest_piv.store import connect

MARKER = "piv_bench"
#: Fresh processes that re-measure a flagged benchmark, one after the other, while it stays
#: flagged (stored mode).
REMEASURES = 2
USES_BENCHMARK = "piv_benchmark"
#: Load per core from other processes above which the summary notes a busy machine.
BUSY = 0.5
#: pytest-benchmark options that change what a round measures (they go into the fingerprint).
TIMING_OPTIONS = {
    "timer": "benchmark_timer",
    "disable_gc": "benchmark_disable_gc",
    "min_time": "benchmark_min_time",
    "warmup": "benchmark_warmup",
    "calibration_precision": "benchmark_calibration_precision",
}


def benchmark_plugin_present(config: pytest.Config) -> bool:
    return config.pluginmanager.hasplugin("benchmark")


#: the stored verdicts an A/B run against the baseline's commit settles or confirms
ESCALATED = (Verdict.INCONCLUSIVE, Verdict.REGRESSED)


class BenchEvidence:
    """In every process (xdist workers too): marks the reports of tests using ``benchmark``."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        rep = yield
        if uses_benchmark(item):
            setattr(rep, USES_BENCHMARK, True)
        return rep


class BenchPlugin:
    """Collects samples during the run; compares, records and gates at the end."""

    def __init__(self, config: pytest.Config, piv: PivConfig) -> None:
        self.config = config
        self.piv = piv
        self.settings = piv.bench
        self.present = benchmark_plugin_present(config)
        self.samples: dict[str, store.Samples] = {}
        self.thresholds: dict[str, float] = {}
        self.collected: set[str] = set()
        self.deselected: set[str] = set()
        self.using: set[str] = set()
        self.notes: list[str] = []
        self.comparisons: list[Comparison] = []
        self.machine = ""
        # registered when collection is done: the load from then to the end of the run
        self.load_before = load_per_core()
        self.load_after: float | None = None

    # -- during the run -------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if getattr(report, USES_BENCHMARK, False):
            self.using.add(report.nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if not uses_benchmark(item):
            return
        marker = item.get_closest_marker(MARKER)
        if marker is None:
            return
        value = marker.kwargs.get("threshold", marker.args[0] if marker.args else None)
        try:
            self.thresholds[item.nodeid] = parse_marker_threshold(value, item.nodeid)
        except ConfigError as exc:
            pytest.fail(f"piv: {exc}", pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            return (yield)
        finally:
            self._keep_samples(item)

    def _keep_samples(self, item: pytest.Item) -> None:
        fixture = getattr(item, "funcargs", {}).get("benchmark")
        if fixture is None:
            return
        meta = getattr(fixture, "stats", None)
        data = getattr(getattr(meta, "stats", None), "data", None)
        if meta is None or not data or getattr(fixture, "has_error", False):
            return
        name = str(getattr(fixture, "fullname", item.nodeid))
        self.samples[name] = store.Samples(
            int(getattr(meta, "iterations", 1)), tuple(float(t) for t in data)
        )

    # -- at the end -----------------------------------------------------------------

    def _why_nothing(self) -> str | None:
        config = self.config
        if not self.present:
            return (
                "pytest-benchmark is not installed or was disabled with -p no:benchmark, so no "
                "benchmark was measured (hint: pip install 'pytest-piv[bench]')"
            )
        if config.getoption("benchmark_disable", False) and not config.getoption(
            "benchmark_enable", False
        ):
            return "benchmarks ran with --benchmark-disable: nothing was measured or gated"
        if config.getoption("benchmark_skip", False):
            return "benchmarks were skipped (--benchmark-skip): nothing was measured or gated"
        if under_xdist(config):
            return (
                "pytest-benchmark turns itself off under xdist, so no benchmark was gated "
                "(hint: run the benchmarks with -n 0 or -p no:xdist)"
            )
        return None

    def _fingerprint(self) -> Fingerprint:
        options = {k: self.config.getoption(v, None) for k, v in TIMING_OPTIONS.items()}
        return fingerprint({k: getattr(v, "name", v) for k, v in options.items()})

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.load_after = load_per_core()
        if not self.samples:
            why = self._why_nothing()
            # a project whose tests use no benchmark fixture hears nothing about benchmarks
            if why is not None and self.using:
                self.notes.append(why)
            return
        try:
            self._compare_and_record()
        except Exception as exc:  # the run's own outcome stands if the store cannot answer
            self.notes.append(f"{self.piv.db}: could not compare or record benchmarks ({exc})")
            return
        self._note_load()
        failing = {Verdict.REGRESSED}
        if self.settings.inconclusive == "fail":
            failing.add(Verdict.INCONCLUSIVE)
        if self.settings.mode == "enforce" and any(c.verdict in failing for c in self.comparisons):
            session.testsfailed += 1
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _threshold(self, name: str) -> float:
        return self.settings.threshold_for(name, self.thresholds.get(name))

    def _missing(self, baseline: dict[str, list[tuple[float, ...]]]) -> list[str]:
        """Baseline benchmarks this run should have measured but did not."""
        files = {n.split("::", 1)[0] for n in self.collected}
        return sorted(
            name
            for name in baseline
            if name not in self.samples
            and name not in self.deselected
            and (name in self.collected or name.split("::", 1)[0] in files)
        )

    def _compare_and_record(self) -> None:
        fp = self._fingerprint()
        self.machine = fp.key(self.settings.machine)
        with contextlib.closing(connect(self.piv.db)) as conn:
            run = store.NewRun(
                self.machine,
                fp.to_json(),
                head=head(self.piv.root),
                load_before=self.load_before,
                load_after=self.load_after,
            )
            run_id = store.record_run(conn, run, self.samples)
            baseline = store.baseline(conn, self.machine)
            if not baseline:
                self._record_baseline(conn, fp, run, run_id)
            current = {name: [s.times] for name, s in self.samples.items()}
            self.comparisons = self._judge(baseline, current)
            self._remeasure_flagged(conn, fp, run, run_id, baseline, current)
            if baseline:
                self._escalate(conn)
            new = [c.name for c in self.comparisons if c.verdict is Verdict.NEW]
            if baseline and new:
                store.save_baseline(conn, self.machine, [run_id], new)
                self.notes.append(
                    f"added {len(new)} new benchmark{'s' if len(new) != 1 else ''} "
                    f"to the baseline of machine {self.machine}"
                )
            store.record_verdicts(conn, run_id, [verdict_row(c) for c in self.comparisons])

    def _flagged(self) -> list[str]:
        undecided = (Verdict.REGRESSED, Verdict.INCONCLUSIVE)
        return [c.name for c in self.comparisons if c.verdict in undecided]

    def _remeasure_flagged(
        self,
        conn: Any,
        fp: Fingerprint,
        run: store.NewRun,
        run_id: int,
        baseline: dict[str, list[tuple[float, ...]]],
        current: dict[str, list[tuple[float, ...]]],
    ) -> None:
        """A flag must survive fresh processes: one process in a few runs 15 % slow or more,
        and two in a row now and then; a third rarely."""
        flagged = self._flagged()
        for _ in range(REMEASURES if self.settings.remeasure else 0):
            if not flagged:
                break
            again = remeasure(self.piv.root, flagged, self._child_options())
            if again.error:
                self.notes.append(again.error)
            fresh = {n: store.Samples(it, t) for n, (it, t) in again.samples.items()}
            if not fresh:
                break
            store.record_run(
                conn,
                store.NewRun(self.machine, fp.to_json(), "remeasure", run_id, run.head),
                fresh,
            )
            for name, s in fresh.items():
                current.setdefault(name, []).append(s.times)
            self.comparisons = self._judge(baseline, current)
            flagged = self._flagged()

    def _escalate(self, conn: Any) -> None:
        """Settle what stored mode left inconclusive, and confirm what it judged regressed,
        by A/B against the baseline's commit: a stored comparison beside a busy neighbour
        can call unchanged code slower even after fresh re-measures; an interleaved A/B
        cannot be fooled that way. Without a commit or a budget the stored verdict stands."""
        undecided = [c.name for c in self.comparisons if c.verdict in ESCALATED]
        if not undecided or self.settings.escalation_budget <= 0:
            return
        heads = store.baseline_heads(conn, self.machine)
        decided, notes = settle(self.piv.root, undecided, heads, self.settings, self._threshold)
        self.notes.extend(notes)
        self.comparisons = [decided.get(c.name, c) for c in self.comparisons]

    def _record_baseline(self, conn: Any, fp: Fingerprint, run: store.NewRun, run_id: int) -> None:
        """Measure a new baseline in more fresh processes: one process may run fast or slow.

        Their spread is what tells later runs how far a whole process can drift here; while
        the fastest two disagree, more are measured (see ``baselines/fresh.py``).
        """
        first = {n: (s.iterations, s.times) for n, s in self.samples.items()}
        found = fresh.measure(
            self.piv.root,
            sorted(self.samples),
            self._child_options(),
            self.settings.baseline_processes,
            self._threshold,
            first=first,
        )
        self.notes.extend(found.errors)
        extra: list[int] = []
        for process in found.processes[1:]:
            samples = {n: store.Samples(it, t) for n, (it, t) in process.items()}
            again_run = store.NewRun(self.machine, fp.to_json(), "baseline", run_id, run.head)
            extra.append(store.record_run(conn, again_run, samples))
        self.notes.append(self._no_baseline_note(conn, fp, len(found.processes)))
        wide = fresh.too_wide(found.processes, self._threshold)
        if wide:
            self.notes.append(
                f"the baseline of machine {self.machine}: "
                f"{fresh.describe(wide, len(found.processes))} (hint: measure it again when "
                "the machine is quieter with piv bench baseline save)"
            )
        store.save_baseline(conn, self.machine, [run_id, *extra])

    def _child_options(self) -> list[str]:
        options = forwarded_options(self.config.invocation_params.args)
        if importlib.util.find_spec("xdist") is not None:
            options += ["-n", "0"]
        return options

    def _judge(
        self,
        baseline: dict[str, list[tuple[float, ...]]],
        current: dict[str, list[tuple[float, ...]]],
    ) -> list[Comparison]:
        # how far a whole process drifts on this machine, pooled over the suite: from the
        # baseline's processes, or this run and its re-measures when the baseline has one
        measured_twice = [runs for runs in baseline.values() if len(runs) > 1]
        noise = process_noise(measured_twice or list(current.values()))
        evidence = []
        for name in sorted(current):
            base = baseline.get(name)
            threshold = self._threshold(name)
            if base:
                evidence.append(stored_evidence(name, threshold, base, current[name], noise))
            else:
                evidence.append(
                    Evidence(name, threshold, None, Summary.of(current[name][:1]), None)
                )
        for name in self._missing(baseline):
            summary = Summary.of([fastest_run(baseline[name])])
            evidence.append(Evidence(name, self._threshold(name), summary, None, None))
        return judge(evidence, self.settings.alpha)

    def _note_load(self) -> None:
        """Say so when other processes kept more than half the machine busy."""
        loads = [x for x in (self.load_before, self.load_after) if x is not None]
        others = max(loads, default=0.0) - 1.0 / (os.cpu_count() or 1)
        if others > BUSY:
            self.notes.append(
                f"the machine was busy during the run (load {max(loads):.2f} per core): "
                "timings may shift between runs (hint: piv bench ab is immune to load)"
            )

    def _no_baseline_note(self, conn: Any, fp: Fingerprint, processes: int) -> str:
        if processes == 1:
            measured = "this run is recorded"
        else:
            more = f"{processes - 1} fresh process{'es' if processes > 2 else ''}"
            measured = f"this run and {more} are recorded"
        text = (
            f"no benchmark baseline for machine {self.machine} yet: {measured} as its "
            "baseline and the next run is compared with it"
        )
        others = {k: v for k, v in store.baseline_machines(conn).items() if k != self.machine}
        if others:
            key, fields = next(iter(others.items()))
            diff = "; ".join(fp.differences(Fingerprint.from_json(fields))) or "a configured name"
            text += (
                f" (the store has a baseline for machine {key}, which differs in {diff}; "
                "hint: set [tool.piv.bench] machine to share one baseline between machines)"
            )
        return text

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """After pytest-benchmark's own table (which prints in this hook too)."""
        if not self.comparisons and not self.notes:
            return
        terminalreporter.section("piv bench", sep="-")
        for line in report.terminal_lines(
            self.comparisons,
            machine=self.machine or "-",
            verbosity=self.config.get_verbosity(),
            notes=self.notes,
            mode=self.settings.mode,
            inconclusive=self.settings.inconclusive,
        ):
            terminalreporter.write_line(line.text, **line.markup)


def verdict_row(c: Comparison) -> store.VerdictRow:
    """A comparison as the store keeps it (what ``piv bench show`` reads back)."""

    def summary(s: Summary | None) -> tuple[float, float, int] | None:
        return None if s is None else (s.min, s.median, s.rounds)

    e = c.estimate
    return store.VerdictRow(
        c.name,
        c.verdict.value,
        c.threshold,
        None if e is None else e.ratio,
        None if e is None else e.low,
        None if e is None else e.high,
        c.reason,
        summary(c.baseline),
        summary(c.current),
    )
