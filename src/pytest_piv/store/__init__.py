"""The SQLite store at ``.piv/piv.db``: all SQL of pytest-piv lives in this package."""

from pytest_piv.store.db import connect, integrity_ok, reset, unreadable, write
from pytest_piv.store.schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "connect", "integrity_ok", "reset", "unreadable", "write"]
