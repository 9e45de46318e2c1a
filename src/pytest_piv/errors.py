"""The whole error vocabulary of pytest-piv.

Every error a user can cause is a :class:`PivError` whose ``str`` is one line: what was
checked, what was seen, what was expected, and where useful a hint. The shells turn them
into exit codes (pytest: usage error 4; ``piv``: 2) and never show a traceback for them.
"""

from __future__ import annotations


class PivError(Exception):
    """Base class of every error pytest-piv reports to a user."""


#: a bad value longer than this is shown cut, so the error stays one readable line
MAX_SHOWN = 200


class ConfigError(PivError):
    """A configuration value is unknown, of the wrong type or out of range."""

    def __init__(self, key: str, value: object, expected: str, origin: str) -> None:
        self.key = key
        self.value = value
        self.expected = expected
        self.origin = origin
        shown = repr(value)
        if len(shown) > MAX_SHOWN:
            shown = f"{shown[:MAX_SHOWN]}… ({len(shown)} characters)"
        super().__init__(f"{key} = {shown} ({origin}): expected {expected}")


class StoreError(PivError):
    """The evidence store cannot be opened or used."""


class VcsError(PivError):
    """git could not answer a question the gate needs."""


class UsageError(PivError):
    """A command was called with arguments that cannot work."""
