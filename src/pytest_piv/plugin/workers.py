"""Whether pytest-xdist distributes this run (``-n``, ``--dist``): then the workers collect
and run the tests, and the controller only sees their reports."""

from __future__ import annotations

import pytest


def under_xdist(config: pytest.Config) -> bool:
    """True in the controller (and workers) of a distributed run, from the options alone:
    xdist's own plugins may not be registered yet when piv configures."""
    return config.getoption("dist", "no") != "no" or bool(getattr(config.option, "numprocesses", 0))
