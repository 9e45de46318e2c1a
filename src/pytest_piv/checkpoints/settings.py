"""``[tool.piv.checkpoint]``: what ``piv checkpoint`` does when no flag says otherwise.

``preset`` is the ``piv validate`` preset (unset: ``[tool.piv.validate] preset``),
``budget`` the seconds the whole validation may take, ``validate = false`` skips validation
(the snapshot and the secret scan still run), ``tag = false`` commits without the
``piv/cp/<branch>/<n>`` tag. A flag of ``piv checkpoint`` overrides each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pytest_piv.errors import ConfigError
from pytest_piv.values import parse_flag

TABLE = "[tool.piv.checkpoint]"
#: seconds the whole validation of a checkpoint may take, unless configured
DEFAULT_BUDGET_S = 600.0


class CheckpointSettings(NamedTuple):
    preset: str | None = None
    budget: float = DEFAULT_BUDGET_S
    validate: bool = True
    tag: bool = True


def parse_checkpoint_table(table: Mapping[str, object], origin: str) -> CheckpointSettings:
    """The table's values, each checked; a bad one is a :class:`ConfigError` naming it."""
    values: dict[str, object] = {}
    for key, value in table.items():
        if key not in CheckpointSettings._fields:
            expected = "one of the keys " + ", ".join(sorted(CheckpointSettings._fields))
            raise ConfigError(f"{TABLE} {key}", value, expected, origin)
        values[key] = _parse(key, value, origin)
    return CheckpointSettings(**values)  # type: ignore[arg-type]


def _parse(key: str, value: object, origin: str) -> object:
    if key == "preset":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{TABLE} preset", value, "a preset name (a string)", origin)
        return value.strip()
    if key == "budget":
        try:
            seconds = float(value) if not isinstance(value, bool) else 0.0  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seconds = 0.0
        if not seconds >= 1:
            raise ConfigError(f"{TABLE} budget", value, "a number of seconds >= 1", origin)
        return seconds
    try:
        return parse_flag(value)
    except ValueError:
        raise ConfigError(f"{TABLE} {key}", value, "true or false", origin) from None
