"""The SQLite store at ``.piv/piv.db``: all SQL of pytest-piv lives in this package."""

from pytest_piv.store.db import connect, integrity_ok, reset, write
from pytest_piv.store.health import diagnose, unreadable
from pytest_piv.store.schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "connect",
    "diagnose",
    "integrity_ok",
    "reset",
    "unreadable",
    "write",
]
