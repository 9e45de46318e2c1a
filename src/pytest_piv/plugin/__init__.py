"""The pytest entry point of pytest-piv (``-p pytest_piv.plugin``, entry point ``piv``).

It only adds options, builds the config once, opens the store and registers one class
plugin per enabled feature under a stable name. A disabled feature imports nothing, and a
run without ``--piv`` imports nothing beyond this module.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_piv.config import PivConfig

CONFIG_KEY = pytest.StashKey["PivConfig"]()


class PivWarning(pytest.PytestWarning):
    """A pytest-piv warning (such as an unknown ``PIV_*`` variable)."""


def _usage_error(exc: Exception) -> pytest.UsageError:
    from pytest_piv.report.text import printable

    return pytest.UsageError(f"piv: {printable(exc)}")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("piv", "pytest-piv quality gates")
    group.addoption(
        "--piv",
        action="store_true",
        default=None,
        help="turn the pytest-piv gates on (Red-Green-Refactor ordering and the others)",
    )
    group.addoption("--piv-db", default=None, metavar="PATH", help="the evidence store")
    group.addoption(
        "--piv-rgr-mode",
        default=None,
        metavar="MODE",
        help="enforce (a violation fails the run), warn (reported only) or off",
    )
    group.addoption(
        "--piv-rgr-policy",
        default=None,
        metavar="POLICY",
        help="which failures count as a valid red: strict, standard or lenient",
    )
    group.addoption(
        "--piv-rgr-coverage",
        action="store_true",
        default=None,
        help="measure coverage for the RGR gate (changed lines no test executes) without --cov",
    )
    group.addoption(
        "--piv-rgr-reach",
        default=None,
        choices=("off", "record", "select"),
        help="record which source files each test runs (record), and run only the tests a "
        "change can reach (select); piv verify turns this on",
    )
    group.addoption(
        "--piv-tests", default=None, metavar="GLOBS", help="comma-separated globs of test files"
    )
    group.addoption(
        "--piv-source",
        default=None,
        metavar="GLOBS",
        help="comma-separated globs of the source files under test",
    )
    group.addoption(
        "--piv-cov-fail-under",
        default=None,
        metavar="PERCENT",
        help="the coverage gate's default minimum line percentage (fail_under)",
    )
    group.addoption(
        "--piv-diff-base",
        default=None,
        metavar="REF",
        help="diff coverage: judge lines changed since the merge-base with REF",
    )
    group.addoption(
        "--piv-diff-fail-under",
        default=None,
        metavar="PERCENT",
        help="diff coverage: the minimum percentage of changed lines the tests run",
    )

    group.addoption(
        "--piv-bench-mode",
        default=None,
        metavar="MODE",
        help="benchmark gate: enforce (a regression fails the run), warn or off",
    )
    group.addoption(
        "--piv-bench-threshold",
        default=None,
        metavar="PERCENT",
        help='the smallest benchmark slowdown that must be caught, such as "10%%"',
    )
    group.addoption(
        "--piv-bench-machine",
        default=None,
        metavar="NAME",
        help="a machine name that replaces the fingerprint as the benchmark baseline key",
    )
    group.addoption(
        "--piv-bench-inconclusive",
        default=None,
        metavar="fail|pass",
        help="whether a benchmark the gate cannot decide fails the run (enforce mode)",
    )
    group.addoption(
        "--piv-bench-escalation-budget",
        default=None,
        metavar="SECONDS",
        help="seconds stored mode may spend on an A/B run of benchmarks it cannot decide",
    )
    group.addoption(
        "--piv-profile",
        default=None,
        metavar="WHAT",
        help="profile the run: cpu (py-spy), mem (memray, with the memory budgets) or both",
    )


def _flags(options: Any) -> dict[str, object]:
    return {name: getattr(options, name, None) for name in FLAG_NAMES}


FLAG_NAMES = (
    "piv_db",
    "piv_rgr_mode",
    "piv_rgr_policy",
    "piv_rgr_coverage",
    "piv_rgr_reach",
    "piv_tests",
    "piv_source",
    "piv_cov_fail_under",
    "piv_diff_base",
    "piv_diff_fail_under",
    "piv_bench_mode",
    "piv_bench_threshold",
    "piv_bench_machine",
    "piv_bench_inconclusive",
    "piv_bench_escalation_budget",
    "piv_profile",
)


def _load(rootpath: Path, options: Any, testpaths: list[str]) -> PivConfig:
    from pytest_piv.config import load_config  # only for runs with --piv
    from pytest_piv.errors import PivError

    try:
        return load_config(rootpath, env=os.environ, flags=_flags(options), testpaths=testpaths)
    except PivError as exc:
        raise _usage_error(exc) from None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """Start coverage measurement before the conftests import the code under test."""
    options = early_config.known_args_namespace
    if not getattr(options, "piv", None):
        return
    piv_config = _load(early_config.rootpath, options, early_config.getini("testpaths"))
    early_config.stash[CONFIG_KEY] = piv_config
    rgr_wants_coverage = piv_config.rgr.coverage and piv_config.rgr.mode != "off"
    if piv_config.coverage.enabled or rgr_wants_coverage:
        from pytest_piv.plugin.measure import install

        install(
            early_config.pluginmanager,
            piv_config,
            options,
            branch=piv_config.coverage.measure_branches,
            core=piv_config.coverage.core,
        )


def _profiling(options: Any) -> bool:
    """Profiling was asked for (``--piv-profile``, ``PIV_PROFILE``) and is not "off"."""
    asked = getattr(options, "piv_profile", None) or os.environ.get("PIV_PROFILE")
    return bool(asked) and str(asked).lower() != "off"


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """``--piv-profile=cpu``: re-run this command as py-spy's child (plugin/profile.py)."""
    if not (config.getoption("piv") or _profiling(config.option)):
        return None
    piv_config = config.stash.get(CONFIG_KEY, None)
    if piv_config is None:
        piv_config = _load(config.rootpath, config.option, config.getini("testpaths"))
        config.stash[CONFIG_KEY] = piv_config
    if not piv_config.profile.cpu or hasattr(config, "workerinput"):
        return None
    from pytest_piv.plugin.profile import run_under_pyspy
    from pytest_piv.profiling.launch import profiled_run

    if profiled_run() is not None:  # already py-spy's child (or a piv profile command's)
        return None
    return run_under_pyspy(config, piv_config)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "piv_characterization: a test that pins existing behaviour and may pass on its first "
        "run (pytest-piv reports it as such)",
    )
    config.addinivalue_line(
        "markers",
        'piv_bench(threshold="20%"): this benchmark\'s own regression threshold (pytest-piv)',
    )
    config.addinivalue_line(
        "markers",
        'piv_feature("id", "description"): ties a test to a feature (`piv progress`)',
    )
    config.addinivalue_line(
        "markers",
        'piv_memory(limit="20 MB"): this test\'s own peak memory budget (pytest-piv, in runs'
        " with --piv-profile=mem)",
    )
    profiling = _profiling(config.option)
    if not (config.getoption("piv") or profiling):
        return
    piv_config = config.stash.get(CONFIG_KEY, None)
    if piv_config is None:
        piv_config = _load(config.rootpath, config.option, config.getini("testpaths"))
        config.stash[CONFIG_KEY] = piv_config
    if not hasattr(config, "workerinput"):
        from pytest_piv.envvars import unknown_env_warnings

        for text in unknown_env_warnings(os.environ):
            config.issue_config_time_warning(PivWarning(text), stacklevel=2)
    profiled = piv_config.profile.mode != "off"
    if not profiled and not hasattr(config, "workerinput"):
        from pytest_piv.profiling.launch import profiled_run

        profiled = profiled_run() is not None  # under `piv profile cpu|mem -- pytest --piv`
    if piv_config.profile.mode != "off":
        from pytest_piv.plugin.profile import register

        register(config, piv_config)
    if not config.getoption("piv"):
        return
    if piv_config.profile.import_modules and not hasattr(config, "workerinput"):
        from pytest_piv.plugin.import_budget import ImportBudgetPlugin
        from pytest_piv.profiling.launch import profiled_run

        profiled_note = "the run is profiled (its profiler may follow the timing processes)"
        skipped = profiled_note if profiled_run() else None
        gate = ImportBudgetPlugin(config, piv_config, skipped=skipped)
        config.pluginmanager.register(gate, "piv-imports")
    if piv_config.coverage.enabled and not hasattr(config, "workerinput"):
        from pytest_piv.plugin.coverage import CoverageGatePlugin

        config.pluginmanager.register(CoverageGatePlugin(config, piv_config), "piv-coverage")
    if piv_config.rgr.mode != "off":
        from pytest_piv.errors import PivError
        from pytest_piv.plugin.rgr import EvidencePlugin, RgrPlugin

        if hasattr(config, "workerinput"):  # an xdist worker: see plugin/rgr.py
            config.pluginmanager.register(EvidencePlugin(piv_config), "piv-evidence")
            if piv_config.rgr.reach != "off":
                from pytest_piv.plugin.reach import register_worker

                register_worker(config)
        else:
            try:
                plugin = RgrPlugin(config, piv_config)
            except PivError as exc:
                raise _usage_error(exc) from None
            config.pluginmanager.register(plugin, "piv-rgr")
            if piv_config.rgr.reach != "off":
                from pytest_piv.plugin.reach import register as register_reach

                register_reach(config, plugin, piv_config.rgr.reach)
    if piv_config.bench.mode != "off" and not profiled:
        from pytest_piv.plugin.bench_probe import BenchProbe

        config.pluginmanager.register(BenchProbe(config, piv_config), "piv-bench-probe")
        if piv_config.profile.on_regression and not hasattr(config, "workerinput"):
            from pytest_piv.plugin.regression_profile import RegressionProfiler

            profiler = RegressionProfiler(config, piv_config)
            config.pluginmanager.register(profiler, "piv-bench-profile")
