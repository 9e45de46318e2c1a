"""``pytest --piv-profile=cpu|mem|both``: profiles, hotspot tables and memory budgets.

CPU: py-spy must be the *parent* of the profiled processes (attaching to a running one
needs root on hosts with Yama), and a pytest process cannot become its own parent. So the
controller re-runs the same pytest command as py-spy's child (``py-spy record
--subprocesses -- python -m pytest ARGS``, which follows xdist workers), passes its exit
code through and prints the CPU hotspot table after the child's own output. The child knows
it is profiled by ``PIV_PROFILE_DIR``, the run's directory.

Memory: measured in-process with memray's ``Tracker`` around each test function
(:mod:`pytest_piv.plugin.memory_probe`, in every worker); the controller judges the memory
budgets, re-measures a test over its budget in a fresh process before it fails the run
(and re-runs the session's tests once when the session's peak is over its budget), keeps
the per-test peaks in the store and the tables in ``report.json``.

A profiled run never feeds the benchmark gate (its timings are a profiler's).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pytest_piv.config import PivConfig
from pytest_piv.plugin.session_rss import (
    SESSION_ENV,
    ControllerRss,
    WorkerRss,
)
from pytest_piv.profiling import permissions, pyspy, runs
from pytest_piv.profiling.budgets import (
    SESSION,
    MemoryCheck,
    first_checks,
    session_suspect,
    settle,
    suspects,
)
from pytest_piv.profiling.cpu import ProfileFormatError
from pytest_piv.profiling.launch import DIR_ENV, profiled_run
from pytest_piv.profiling.memory import MemProfile, SiteTotal, merge
from pytest_piv.report import profile as report
from pytest_piv.report.text import printable
from pytest_piv.tools import run_tool

ENV_DIR = DIR_ENV
WORKER_KEY = "piv_profile_dir"
REMEASURE_TIMEOUT_S = 900.0
#: memory flame graphs drawn per run (each is a self-contained HTML file of a few MB)
HTML_LIMIT = 3
#: allocation sites kept per test in report.json (for the next run's "what grew")
SITES_KEPT = 10


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def run_under_pyspy(config: pytest.Config, piv: PivConfig) -> int | None:
    """Re-run this pytest command as py-spy's child; its exit code, or None when this
    machine cannot profile (the reason is kept for the report, the run goes on)."""
    blocker = permissions.check_pyspy(sys.executable, piv.profile.py_spy)
    if blocker is not None:
        config.stash[SKIPPED_KEY] = {"cpu": blocker}
        return None
    carried = carry_plugins(config.invocation_params.plugins or ())
    if isinstance(carried, str):
        config.stash[SKIPPED_KEY] = {"cpu": carried}
        return None
    plugin_args, paths = carried
    run = runs.new_run(piv.root / piv.profile.dir)
    args = list(config.invocation_params.args)
    command = [sys.executable, "-m", "pytest", *plugin_args, *args]
    env = {**os.environ, ENV_DIR: str(run)}
    if paths:
        env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [env.get("PYTHONPATH")])])
    cwd = config.invocation_params.dir
    try:
        code = pyspy.record(
            command,
            run,
            rate=piv.profile.rate,
            tool=piv.profile.py_spy,
            cwd=cwd,
            env=env,
            blocking=piv.profile.blocking,
        )
    except KeyboardInterrupt:  # the child and py-spy got the signal too
        sys.stderr.write("piv: interrupted; the CPU profile may be incomplete\n")
        return int(pytest.ExitCode.INTERRUPTED)
    sys.stdout.flush()
    root = piv.root
    try:
        profile = pyspy.load(run)
    except ProfileFormatError as exc:
        data = runs.merge_report(run, {"run": run.name, "skipped": {"cpu": str(exc)}})
    else:
        svg = pyspy.write_flamegraph(profile, run, f"pytest {' '.join(args)}")
        data = runs.merge_report(
            run,
            {
                "run": run.name,
                "command": ["pytest", *args],
                "cpu": report.cpu_part(profile, piv.profile.top, root),
                "artifacts": {
                    "cpu speedscope": _relative(run / pyspy.SPEEDSCOPE, root),
                    "cpu flame graph": _relative(svg, root),
                },
            },
        )
    verbosity = int(config.option.verbose or 0)
    report.write_section(sys.stdout, {**data, "budgets": [], "mem": None}, verbosity)
    return code


SKIPPED_KEY = pytest.StashKey[dict[str, str]]()


def carry_plugins(plugins: Sequence[object]) -> tuple[list[str], list[str]] | str:
    """How the plugins given to ``pytest.main(plugins=[...])`` reach the profiled re-run
    (a new process): each as ``-p NAME``, with the directory its module is imported from
    on ``PYTHONPATH``; or, when one is an object no other process can receive, why not."""
    args: list[str] = []
    paths: list[str] = []
    for plugin in plugins:
        if isinstance(plugin, str):
            args += ["-p", plugin]
            continue
        name = getattr(plugin, "__name__", "")
        file = getattr(plugin, "__file__", None)
        if not isinstance(plugin, ModuleType) or name == "__main__" or not file:
            return (
                f"pytest.main(plugins=[...]) was given {printable(repr(plugin))[:80]},"
                " which the profiled re-run (a new process)"
                " cannot receive (hint: pass a plugin module instead, or run piv profile cpu"
                " -- python yourscript.py)"
            )
        root = Path(file).resolve().parent
        for _ in range(name.count(".") + (Path(file).stem == "__init__")):
            root = root.parent
        args += ["-p", name]
        paths.append(str(root))
    return args, list(dict.fromkeys(paths))


def _sites(rows: list[list[Any]]) -> tuple[SiteTotal, ...]:
    return tuple(SiteTotal(str(f), str(p), int(ln), int(s), int(c)) for f, p, ln, s, c in rows)


class ProfilePlugin(ControllerRss):
    """The controller's half: report, budgets, store (registered as ``piv-profile``)."""

    def __init__(
        self,
        config: pytest.Config,
        piv: PivConfig,
        run: Path,
        *,
        active: tuple[str, ...],
        skipped: dict[str, str],
    ) -> None:
        self.config = config
        self.piv = piv
        self.settings = piv.profile
        self.run = run
        self.active = active
        self.mem = "memory" in active
        self.skipped = skipped
        self.tests: dict[str, dict[str, Any]] = {}
        #: every test that ran, in order (a session over its budget re-runs them)
        self.ran: dict[str, None] = {}
        self.worker_rss: list[int] = []
        self.data: dict[str, Any] = {}
        self.notes: list[str] = []

    def pytest_report_header(self) -> list[str]:
        where = _relative(self.run, self.piv.root)
        if not self.active:
            return [f"piv: profiling skipped (see the piv profile section); report in {where}"]
        return [
            f"piv: profiling {' and '.join(self.active)} into {where}"
            " (the benchmark gate is off in a profiled run)"
        ]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.ran[report.nodeid] = None
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == "piv_memory" and isinstance(value, dict):
                self.tests[report.nodeid] = value

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """Hand the run directory to each xdist worker."""
        node.workerinput[WORKER_KEY] = str(self.run)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.mem:
            self.data = runs.merge_report(self.run, {"run": self.run.name, "skipped": self.skipped})
            return
        session_peak = self.session_peak()
        checks = self._judge(session_peak)
        failed = [c for c in checks if c.failed]
        if failed:
            session.testsfailed += len(failed)
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        profiles = {
            nodeid: MemProfile(
                int(t["peak"]), _sites(t["at_peak"]), _sites(t["allocated"]), int(t["leaked"])
            )
            for nodeid, t in self.tests.items()
        }
        artifacts = self._artifacts(checks)
        root = self.piv.root
        per_test = {
            n: {
                "peak": int(t["peak"]),
                "leaked": int(t["leaked"]),
                "at_peak": [report.site_row(s, root) for s in _sites(t["at_peak"])[:SITES_KEPT]],
            }
            for n, t in self.tests.items()
        }
        grown = self._grown_sites([c.subject for c in checks if c.failed], per_test)
        self.data = runs.merge_report(
            self.run,
            {
                "run": self.run.name,
                "session_peak": session_peak,
                "worker_peaks": sorted(self.worker_rss),
                "mem": report.mem_part(merge(profiles.values()), self.settings.top, per_test, root)
                if profiles
                else None,
                "budgets": report.budget_part(checks),
                "grown_sites": grown,
                "artifacts": artifacts,
                "skipped": self.skipped,
            },
        )
        self._store(checks, session_peak)

    def _judge(self, session_peak: int) -> list[MemoryCheck]:
        checks = first_checks(self.tests, self.settings, session_peak, self._baseline())
        if not self.settings.remeasure:
            return settle(checks, None)
        again: dict[str, dict[str, int]] = {}
        if suspects(checks):
            again.update(self._remeasure(suspects(checks)))
        if session_suspect(checks) and self.ran:
            # the whole session once more, with as many workers as it had
            rerun = self._remeasure(list(self.ran), session=True, workers=len(self.worker_rss))
            if SESSION in rerun:
                again[SESSION] = rerun[SESSION]
        return settle(checks, again)

    def _grown_sites(
        self, failed: list[str], now: dict[str, dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """For each test over a budget: the allocation sites that grew since the last
        profiled run that measured it (from that run's report)."""
        grown: dict[str, dict[str, Any]] = {}
        earlier = [r for r in runs.runs(self.run.parent) if r != self.run]
        for nodeid in dict.fromkeys(failed):
            if nodeid not in now:
                continue
            for run in earlier:
                mem = runs.read_report(run).get("mem") or {}
                before = (mem.get("tests") or {}).get(nodeid)
                if before and before.get("at_peak"):
                    rows = report.site_growth(before["at_peak"], now[nodeid]["at_peak"])
                    grown[nodeid] = {"since": run.name, "sites": rows[:3]}
                    break
        return grown

    def _baseline(self) -> dict[str, int]:
        """Each test's last recorded peak (for the growth check)."""
        if self.settings.max_growth is None or not self.piv.db.is_file():
            return {}
        from pytest_piv.store import connect
        from pytest_piv.store.profile import latest_peaks

        try:
            conn = connect(self.piv.db)
            try:
                return {n: p.peak for n, p in latest_peaks(conn).items()}
            finally:
                conn.close()
        except Exception as exc:  # no baseline then; the run's own outcome stands
            self.notes.append(f"{self.piv.db}: could not read the memory baseline ({exc})")
            return {}

    def _remeasure(
        self, nodeids: list[str], *, session: bool = False, workers: int = 0
    ) -> dict[str, dict[str, int]]:
        """Each test's peak and leak in one fresh process (only this probe loaded); for a
        ``session``, also the session's peak under :data:`SESSION`, in as many xdist
        ``workers`` as the session had."""
        with tempfile.TemporaryDirectory(prefix="piv-remeasure-") as scratch:
            out = Path(scratch) / "peaks.json"
            env = {
                k: v
                for k, v in os.environ.items()
                if k not in ("PYTEST_ADDOPTS", ENV_DIR) and not k.startswith("PYTEST_XDIST_")
            }
            env["PIV_PROFILE_REMEASURE"] = str(out)
            if session:
                env[SESSION_ENV] = "1"
            argv = [sys.executable, "-m", "pytest", "-p", "no:piv", "-p", "no:cacheprovider"]
            argv += ["-p", "pytest_piv.plugin.memory_probe", "-q", "--no-header"]
            if self.config.pluginmanager.hasplugin("xdist"):
                argv += ["-n", str(workers)] if workers else ["-p", "no:xdist"]
            listed = Path(scratch) / "nodeids.txt"  # pytest reads @FILE one argument a line
            listed.write_text("".join(f"{n}\n" for n in nodeids), encoding="utf-8")
            done = run_tool(
                [*argv, f"@{listed}"],
                cwd=self.config.invocation_params.dir,
                env=env,
                timeout=REMEASURE_TIMEOUT_S,
            )
            try:
                data = json.loads(out.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                tail = (done.stdout + done.stderr).strip().splitlines()[-1:]
                self.notes.append(
                    "the memory re-measurement wrote no results"
                    f" ({tail[0] if tail else f'exit {done.returncode}'}); first measurements stand"
                )
                return {}
        return data if isinstance(data, dict) else {}

    def _artifacts(self, checks: list[MemoryCheck]) -> dict[str, str]:
        """Memory flame graphs of the highest peak and of tests over budget; other
        captures are removed."""
        chosen: list[str] = [c.subject for c in checks if c.failed and c.subject in self.tests]
        if self.tests:
            chosen.append(max(self.tests, key=lambda n: int(self.tests[n]["peak"])))
        keep = list(dict.fromkeys(chosen))[:HTML_LIMIT]
        artifacts: dict[str, str] = {}
        from pytest_piv.profiling import memray_backend

        for index, nodeid in enumerate(keep):
            capture = Path(self.tests[nodeid]["capture"])
            html = self.run / f"mem-{index + 1}.html"
            if capture.is_file() and memray_backend.write_html(capture, html).ok:
                artifacts[f"memory flame graph of {nodeid}"] = _relative(html, self.piv.root)
        for t in self.tests.values():
            Path(t["capture"]).unlink(missing_ok=True)
        return artifacts

    def _store(self, checks: list[MemoryCheck], session_peak: int) -> None:
        from pytest_piv.store import connect
        from pytest_piv.store.profile import TestPeak, record_memory

        verdicts = {c.subject: c for c in checks if c.kind == "peak"}
        peaks = {
            n: TestPeak(
                n,
                int(t["peak"]),
                int(t["leaked"]),
                verdicts[n].limit if n in verdicts else None,
                verdicts[n].verdict if n in verdicts else None,
            )
            for n, t in self.tests.items()
        }
        try:
            conn = connect(self.piv.db)
            try:
                record_memory(
                    conn, self.run.name, self.settings.mode, peaks, session_peak=session_peak
                )
            finally:
                conn.close()
        except Exception as exc:  # the run's own outcome stands if the store cannot answer
            self.notes.append(f"{self.piv.db}: could not record memory peaks ({exc})")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        data = self.data or {"skipped": self.skipped}
        lines = report.terminal_lines(data, verbosity=self.config.get_verbosity())
        lines += [report.note(n) for n in self.notes]
        if not lines:
            return
        terminalreporter.section("piv profile", sep="-")
        for line in lines:
            terminalreporter.write_line(line.text, **line.markup)


def register(config: pytest.Config, piv: PivConfig) -> None:
    """Register the profiling plugins this process needs (called from pytest_configure)."""
    worker = hasattr(config, "workerinput")
    child = None if worker else profiled_run()
    if worker:
        given = config.workerinput.get(WORKER_KEY)  # type: ignore[attr-defined]
        if not given:  # pragma: no cover - the controller always hands it on
            return
        run = Path(given)
    else:
        run = child or runs.new_run(piv.root / piv.profile.dir)
    earlier: dict[str, str] = config.stash.get(SKIPPED_KEY, {})
    skipped = {**earlier}
    active: list[str] = []
    if piv.profile.cpu and child is not None and "cpu" not in skipped:
        active.append("CPU")  # this process is py-spy's child
    if piv.profile.mem:
        blocker = permissions.memray_blocker()
        if blocker is None:
            from pytest_piv.plugin.memory_probe import MemoryTracker

            prefix = str(getattr(config, "workerinput", {}).get("workerid", "main"))
            tracker = MemoryTracker(run / "captures", prefix)
            config.pluginmanager.register(tracker, "piv-profile-memory")
            active.append("memory")
        else:
            skipped["memory"] = blocker
    if worker:
        config.pluginmanager.register(WorkerRss(config), "piv-profile-worker")
        return
    plugin = ProfilePlugin(config, piv, run, active=tuple(active), skipped=skipped)
    config.pluginmanager.register(plugin, "piv-profile")
