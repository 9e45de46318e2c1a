"""The pytest entry point of pytest-piv (``-p pytest_piv.plugin``, entry point ``piv``).

It only adds options, builds the config once, opens the store and registers one class
plugin per enabled feature under a stable name. A disabled feature imports nothing.
"""

from __future__ import annotations

import os

import pytest

from pytest_piv.config import PivConfig, load_config
from pytest_piv.errors import PivError

CONFIG_KEY = pytest.StashKey[PivConfig]()


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
        "--piv-tests", default=None, metavar="GLOBS", help="comma-separated globs of test files"
    )
    group.addoption(
        "--piv-source",
        default=None,
        metavar="GLOBS",
        help="comma-separated globs of the source files under test",
    )


def _flags(config: pytest.Config) -> dict[str, object]:
    names = ("piv_db", "piv_rgr_mode", "piv_rgr_policy", "piv_tests", "piv_source")
    return {name: config.getoption(name) for name in names}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "piv_characterization: a test that pins existing behaviour and may pass on its first "
        "run (pytest-piv reports it as such)",
    )
    if not config.getoption("piv"):
        return
    try:
        piv_config = load_config(
            config.rootpath,
            env=os.environ,
            flags=_flags(config),
            testpaths=config.getini("testpaths"),
        )
    except PivError as exc:
        raise pytest.UsageError(f"piv: {exc}") from None
    config.stash[CONFIG_KEY] = piv_config
    if piv_config.rgr.mode != "off":
        from pytest_piv.plugin.rgr import EvidencePlugin, RgrPlugin

        config.pluginmanager.register(EvidencePlugin(piv_config), "piv-evidence")
        if not hasattr(config, "workerinput"):
            try:
                plugin = RgrPlugin(config, piv_config)
            except PivError as exc:
                raise pytest.UsageError(f"piv: {exc}") from None
            config.pluginmanager.register(plugin, "piv-rgr")
