"""``[tool.piv.profile]``: what profiling and the memory and import-time budgets are told.

Every key also accepts a string (as it arrives from ``PIV_PROFILE`` or ``--piv-profile``),
so the same parser serves ``pyproject.toml``, the environment and the command line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

from pytest_piv.errors import ConfigError
from pytest_piv.profiling.units import format_bytes
from pytest_piv.values import (
    format_percent,
    int_between,
    parse_bytes,
    parse_flag,
    parse_seconds,
    percent_between,
)

ProfileMode = Literal["off", "cpu", "mem", "both"]
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class ProfileSettings(NamedTuple):
    """How runs are profiled and which memory and import-time budgets apply.

    ``mode`` says what ``pytest`` profiles (``off``, ``cpu``, ``mem`` or ``both``). The
    memory budgets are judged whenever memory is measured: ``max_memory`` for the peak of
    the whole session (the sum over xdist workers), ``test_max_memory`` for each test's own
    peak (a ``piv_memory(limit=...)`` marker overrides it), each allowed ``tolerance`` above
    before it fails. ``max_leak`` turns on the leak check: memory a test allocated and did
    not free by its end.
    """

    mode: ProfileMode = "off"
    dir: str = ".piv/profiles"
    #: py-spy's samples per second. 25, not py-spy's 100: each sample pauses the program
    #: (``blocking``); on an idle machine 100 Hz cost about 1.24x the run's wall time,
    #: 50 Hz 1.13-1.16x, 25 Hz 1.07x (docs/profiling.md, "What it costs"). 25 Hz is
    #: 250 samples for a ten-second suite, with exact stacks; raise it for short runs
    rate: int = 25
    top: int = 10
    max_memory: int | None = None
    test_max_memory: int | None = None
    max_leak: int | None = None
    tolerance: float = 0.10
    max_growth: float | None = None
    remeasure: bool = True
    import_modules: tuple[str, ...] = ()
    max_import_time: float | None = None
    import_runs: int = 5
    import_tolerance: float = 0.25
    py_spy: str = "py-spy"
    on_regression: bool = True
    #: pause the profiled process at each sample (py-spy's default: exact stacks); false
    #: samples without pausing (``--nonblocking``: a little cheaper, but a stack can be
    #: read mid-change)
    blocking: bool = True

    @property
    def cpu(self) -> bool:
        return self.mode in ("cpu", "both")

    @property
    def mem(self) -> bool:
        return self.mode in ("mem", "both")

    def values(self) -> dict[str, object]:
        """Every key with its resolved value, for ``piv config show``."""

        def size(value: int | None) -> str | None:
            return None if value is None else format_bytes(value)

        return {
            "profile.mode": self.mode,
            "profile.dir": self.dir,
            "profile.rate": self.rate,
            "profile.top": self.top,
            "profile.max_memory": size(self.max_memory),
            "profile.test_max_memory": size(self.test_max_memory),
            "profile.max_leak": size(self.max_leak),
            "profile.tolerance": format_percent(self.tolerance),
            "profile.max_growth": None
            if self.max_growth is None
            else format_percent(self.max_growth),
            "profile.remeasure": self.remeasure,
            "profile.import_modules": list(self.import_modules),
            "profile.max_import_time": self.max_import_time,
            "profile.import_runs": self.import_runs,
            "profile.import_tolerance": format_percent(self.import_tolerance),
            "profile.py_spy": self.py_spy,
            "profile.on_regression": self.on_regression,
            "profile.blocking": self.blocking,
        }


def _mode(value: object) -> str:
    if not isinstance(value, str) or value.lower() not in {"off", "cpu", "mem", "both"}:
        raise ValueError(value)
    return value.lower()


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(value)
    return value


_tolerance = percent_between(0.0, 1.0)


def _modules(value: object) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(value)
    names = tuple(str(item).strip() for item in items)
    if not all(isinstance(item, str) for item in items) or not all(_MODULE.match(n) for n in names):
        raise ValueError(value)
    return names


_SIZE_EXPECTED = 'a size such as "100 MB" or "20 MiB"'
_KEYS: dict[str, tuple[Callable[[object], object], str]] = {
    "mode": (_mode, 'one of "off", "cpu", "mem", "both"'),
    "dir": (_text, "a directory path"),
    "rate": (int_between(1, 10_000), "a sampling rate in Hz from 1 to 10000"),
    "top": (int_between(1, 1000), "a whole number of rows from 1 to 1000"),
    "max_memory": (parse_bytes, _SIZE_EXPECTED),
    "test_max_memory": (parse_bytes, _SIZE_EXPECTED),
    "max_leak": (parse_bytes, _SIZE_EXPECTED),
    "tolerance": (_tolerance, 'a percentage from 0% to 100%, such as "10%"'),
    "remeasure": (parse_flag, "true or false"),
    "on_regression": (parse_flag, "true or false"),
    "blocking": (parse_flag, "true or false"),
    "max_growth": (_tolerance, 'a percentage from 0% to 100%, such as "20%"'),
    "import_modules": (_modules, 'a list of dotted module names, such as ["yourpkg"]'),
    "max_import_time": (parse_seconds, 'a duration such as "0.3 s" or "300 ms"'),
    "import_runs": (int_between(1, 50), "a whole number of processes from 1 to 50"),
    "import_tolerance": (_tolerance, 'a percentage from 0% to 100%, such as "25%"'),
    "py_spy": (_text, "the py-spy executable: a name on PATH or a path"),
}


def parse_profile_table(table: Mapping[str, object], origin: str) -> ProfileSettings:
    """Validate ``[tool.piv.profile]`` (or its env/flag equivalents) into settings."""
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(
                f"[tool.piv.profile] {key}", value, f"one of the keys {known}", origin
            )
        parse, expected = _KEYS[key]
        try:
            changes[key] = parse(value)
        except (ValueError, TypeError):
            raise ConfigError(f"[tool.piv.profile] {key}", value, expected, origin) from None
    return ProfileSettings()._replace(**changes)


def parse_marker_limit(value: object, where: str) -> int:
    """The ``limit`` of ``@pytest.mark.piv_memory(limit="20 MB")``."""
    try:
        return parse_bytes(value)
    except ValueError:
        raise ConfigError("piv_memory(limit=...)", value, _SIZE_EXPECTED, where) from None
