"""Coverage measurement of the run: one tracer, whoever starts it.

When the user passes pytest-cov's ``--cov``, pytest-cov traces and piv reads its data.
Otherwise :class:`MeasurePlugin` (registered as ``piv-measure``) traces with coverage.py
itself: from ``pytest_load_initial_conftests`` in a single process, so modules a conftest
imports count; in each xdist worker, which sends its data to the controller as bytes; the
controller combines them and writes the data file where coverage.py would
(``.coverage`` unless configured), so ``piv coverage check`` and other tools can read it.

Other features (RGR) read the result through :func:`coverage_of` or the plugin's
:meth:`MeasurePlugin.coverage` / :meth:`MeasurePlugin.data`, whether or not coverage
rules are configured: to switch measurement on, call :func:`install`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any, Literal

import pytest
from coverage import Coverage, CoverageData

from pytest_piv.config import PivConfig
from pytest_piv.coverage.measured import coverage_for, coverage_warnings

Measured = Callable[[Path], tuple[frozenset[int], frozenset[int]] | None]
Role = Literal["central", "worker", "controller", "pytest-cov", "off"]

PLUGIN_NAME = "piv-measure"
WORKER_KEY = "piv_coverage_data"


def coverage_switched_off(options: Any) -> bool:
    """True when pytest-cov's ``--no-cov`` asks for no coverage measurement at all."""
    return bool(getattr(options, "no_cov", False))


def pytest_cov_active(
    options: Any, pluginmanager: pytest.PytestPluginManager | None = None
) -> bool:
    """True when pytest-cov traces this run: ``--cov`` in any form, not ``--no-cov``.

    pytest-cov rewrites its option once it has started (a bare ``--cov`` becomes
    ``cov_source = None``), so its registered plugin is asked first; before it registers,
    the raw option (``[True]`` for a bare ``--cov``) tells.
    """
    if coverage_switched_off(options):
        return False
    plugin = pluginmanager.get_plugin("_cov") if pluginmanager is not None else None
    if plugin is not None:
        return not getattr(plugin, "_disabled", False)
    return bool(getattr(options, "cov_source", None))


def _distributed(options: Any) -> bool:
    numprocesses = getattr(options, "numprocesses", None)
    return bool(numprocesses) or getattr(options, "dist", "no") != "no"


def _include_globs(root: Path, globs: Sequence[str]) -> list[str]:
    """piv's path globs as coverage.py include/omit patterns (absolute, ``**`` kept)."""
    return [str(root / (g if "/" in g else f"**/{g}")) for g in globs]


class MeasurePlugin:
    """Owns this process's coverage tracer, or finds pytest-cov's, and its data."""

    def __init__(self, piv: PivConfig, *, branch: bool, core: str = "auto") -> None:
        self.piv = piv
        self.root = piv.root
        self.branch = branch
        self.core = core
        self.role: Role = "central"
        self.cov: Coverage | None = None
        self.worker_data: list[bytes] = []
        self.finished = False
        self.config: pytest.Config | None = None
        self.cores: set[str] = set()
        self.imported: dict[str, frozenset[int]] | None = None
        self.reached_files: set[str] = set()
        #: what coverage.py warned about while piv drove it (shown by the gate, not raised)
        self.warnings: list[str] = []
        #: the data file this process wrote (the main process of a run piv traced)
        self.data_file: Path | None = None

    # -- starting and stopping our own tracer ---------------------------------------

    def _new_coverage(self, in_memory: bool) -> Coverage:
        with coverage_warnings(self.warnings):
            cov = coverage_for(self.root, in_memory=in_memory)
        chosen = ("run:source", "run:source_pkgs", "run:include")
        if not any(cov.get_option(option) for option in chosen):
            cov.set_option("run:include", _include_globs(self.root, self.piv.source))
            configured = cov.get_option("run:omit")
            omit = list(configured) if isinstance(configured, list) else []
            omit += _include_globs(self.root, (*self.piv.tests, *self.piv.exclude))
            cov.set_option("run:omit", omit)
        if self.branch:
            cov.set_option("run:branch", True)
        core = self.core
        if core == "auto" and not os.environ.get("COVERAGE_CORE"):
            sysmon_ok = sys.version_info >= (3, 14) or (
                sys.version_info >= (3, 12) and not cov.get_option("run:branch")
            )
            core = "sysmon" if sysmon_ok and not cov.get_option("run:core") else "auto"
        if core != "auto":
            cov.set_option("run:core", core)
        return cov

    def start(self) -> None:
        """Trace from now on, into memory; :meth:`finish` writes the data file."""
        if self.cov is None:
            self.cov = self._new_coverage(in_memory=True)
            with coverage_warnings(self.warnings):
                self.cov.start()

    def core_name(self) -> str | None:
        """Which coverage.py core traced the run (``CTracer``, ``SysMonitor``...)."""
        if self.role == "pytest-cov":
            cov = self.coverage()
            if cov is not None:
                self.cores.add(_core_of(cov))
        known = sorted(c for c in self.cores if c != "-none-")
        return ", ".join(known) or None

    # -- hooks ----------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config
        if coverage_switched_off(config.option):
            self.role = "off"
            self._discard()
        elif pytest_cov_active(config.option, config.pluginmanager):
            self.role = "pytest-cov"
            self._discard()
        elif hasattr(config, "workerinput"):
            self.role = "worker"
            self.start()
        elif _distributed(config.option):
            self.role = "controller"
            self._discard()
        else:
            self.role = "central"
            self.start()

    def _discard(self) -> None:
        if self.cov is not None:
            with coverage_warnings(self.warnings):
                self.cov.stop()
            self.cov = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Remember what importing the tests ran, to tell which files the tests reached."""
        if self.cov is not None and self.role in ("central", "worker"):
            with coverage_warnings(self.warnings):
                data = self.cov.get_data()
            self.imported = {f: frozenset(data.lines(f) or ()) for f in data.measured_files()}

    def _reached_now(self) -> set[str]:
        if self.cov is None or self.imported is None:
            return set()
        with coverage_warnings(self.warnings):
            data = self.cov.get_data()
        return {
            f
            for f in data.measured_files()
            if not frozenset(data.lines(f) or ()) <= self.imported.get(f, frozenset())
        }

    def reached(self) -> set[str] | None:
        """Files whose lines ran beyond their import, or None when that is not known."""
        if self.role in ("pytest-cov", "off"):
            return None
        return self.reached_files

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        data = getattr(node, "workeroutput", {}).get(WORKER_KEY)
        if isinstance(data, bytes):
            self.worker_data.append(data)
        reached = getattr(node, "workeroutput", {}).get(WORKER_KEY + "_reached")
        if isinstance(reached, list):
            self.reached_files.update(str(f) for f in reached)
        core = getattr(node, "workeroutput", {}).get(WORKER_KEY + "_core")
        if isinstance(core, str) and core:
            self.cores.add(core)
        warned = getattr(node, "workeroutput", {}).get(WORKER_KEY + "_warnings")
        if isinstance(warned, list):
            self.warnings.extend(str(w) for w in warned if str(w) not in self.warnings)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        try:
            return (yield)
        finally:
            self.finish()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # collection-only runs, and runs stopped before the loop, end here
        self.finish()
        if self.role == "worker" and self.cov is not None and self.config is not None:
            workeroutput = getattr(self.config, "workeroutput", None)
            if isinstance(workeroutput, dict):
                with coverage_warnings(self.warnings):
                    workeroutput[WORKER_KEY] = self.cov.get_data().dumps()
                workeroutput[WORKER_KEY + "_warnings"] = list(self.warnings)
                workeroutput[WORKER_KEY + "_core"] = ", ".join(sorted(self.cores))
                workeroutput[WORKER_KEY + "_reached"] = sorted(self.reached_files)

    def finish(self) -> None:
        """Stop tracing; in the main process write the data file (idempotent)."""
        if self.finished or self.role in ("pytest-cov", "off"):
            return
        self.finished = True
        own = None
        if self.cov is not None:
            self.cores.add(_core_of(self.cov))
            with coverage_warnings(self.warnings):
                self.cov.stop()
            self.reached_files.update(self._reached_now())
            with coverage_warnings(self.warnings):
                own = self.cov.get_data()
        if self.role == "worker":
            return
        cov = self._new_coverage(in_memory=False)
        with coverage_warnings(self.warnings):
            data = cov.get_data()
            data.erase()
            if own is not None:
                data.update(own)
            for blob in self.worker_data:
                shard = CoverageData(no_disk=True)
                shard.loads(blob)
                data.update(shard)
            data.write()
        self.data_file = Path(data.data_filename())
        self.cov = cov

    # -- what other plugins read ----------------------------------------------------

    def coverage(self) -> Coverage | None:
        """The finished ``Coverage`` of the run (ours or pytest-cov's), ``None`` without."""
        if self.role == "pytest-cov":
            return _pytest_cov_coverage(self.config)
        if self.role == "off":
            return None
        return self.cov if self.finished else None

    def data(self) -> CoverageData | None:
        cov = self.coverage()
        return cov.get_data() if cov is not None else None

    def source(self) -> str:
        if self.role == "off":
            return "nothing (--no-cov)"
        return "pytest-cov (--cov)" if self.role == "pytest-cov" else "pytest-piv"


def _core_of(cov: Coverage) -> str:
    return str(dict(cov.sys_info()).get("core", "-none-"))


def _pytest_cov_coverage(config: pytest.Config | None) -> Coverage | None:
    if config is None:
        return None
    plugin = config.pluginmanager.get_plugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    cov = getattr(controller, "cov", None)
    return cov if isinstance(cov, Coverage) else None


def install(
    pluginmanager: pytest.PytestPluginManager,
    piv: PivConfig,
    options: Any,
    *,
    branch: bool,
    core: str = "auto",
) -> MeasurePlugin:
    """Register ``piv-measure`` (once) and start tracing now unless another process will.

    Called from ``pytest_load_initial_conftests`` so that modules the conftests import are
    measured; the role is settled in ``pytest_configure``.
    """
    existing = pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(existing, MeasurePlugin):
        existing.branch = existing.branch or branch
        return existing
    plugin = MeasurePlugin(piv, branch=branch, core=core)
    controller = _distributed(options) and not os.environ.get("PYTEST_XDIST_WORKER")
    others = pytest_cov_active(options, pluginmanager) or coverage_switched_off(options)
    if not others and not controller:
        plugin.start()
    pluginmanager.register(plugin, PLUGIN_NAME)
    return plugin


def coverage_of(config: pytest.Config) -> Measured | None:
    """A function giving (statements, executed lines) of a file, or None without data."""
    cov = None
    provider = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if provider is not None:
        cov = provider.coverage()
    if cov is None:
        cov = _pytest_cov_coverage(config)
    if cov is None:
        return None

    def measured(path: Path) -> tuple[frozenset[int], frozenset[int]] | None:
        try:
            _, statements, _, missing, _ = cov.analysis2(str(path))
        except Exception:  # coverage raises NoSource / NotPython for files it cannot read
            return None
        return frozenset(statements), frozenset(statements) - frozenset(missing)

    return measured
