"""Coverage evidence of the run, from pytest-cov when the user gave ``--cov``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

Measured = Callable[[Path], tuple[frozenset[int], frozenset[int]] | None]


def coverage_of(config: pytest.Config) -> Measured | None:
    """A function giving (statements, executed lines) of a file, or None without data."""
    cov = None
    provider = config.pluginmanager.get_plugin("piv-measure")
    if provider is not None:
        cov = provider.coverage()
    if cov is None:
        plugin = config.pluginmanager.get_plugin("_cov")
        controller = getattr(plugin, "cov_controller", None)
        cov = getattr(controller, "cov", None)
    if cov is None:
        return None

    def measured(path: Path) -> tuple[frozenset[int], frozenset[int]] | None:
        try:
            _, statements, _, missing, _ = cov.analysis2(str(path))
        except Exception:  # coverage raises NoSource / NotPython for files it cannot read
            return None
        return frozenset(statements), frozenset(statements) - frozenset(missing)

    return measured
