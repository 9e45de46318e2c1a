"""Parsers of setting values that several settings tables share, and counted nouns (pure).

A flag reads the same in ``[tool.piv]``, ``[tool.piv.bench]`` and ``[tool.piv.profile]``,
whether it comes from TOML, an environment variable or a command-line flag.
"""

from __future__ import annotations

import re

#: ``"10%"``, ``" 2.5 % "``: a percentage as settings write it
PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def parse_flag(value: object) -> bool:
    """``true``/``false`` (TOML), or ``1``/``0``, ``yes``/``no``, ``on``/``off`` in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ValueError(value)


def counted(n: int, word: str) -> str:
    """``1 finding``, ``2 findings``: a count and its noun (plural with an ``s``)."""
    return f"{n} {word}{'' if n == 1 else 's'}"
