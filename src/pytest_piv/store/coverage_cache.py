"""The coverage facts cache: coverage.py's static analysis of files, by content digest.

Entries are keyed by the file's git blob id and a digest of the parse settings
(:func:`pytest_piv.coverage.static.settings_key`), so a changed file, changed exclusion
regexes or another coverage.py or Python version simply miss. The cache is an optimisation
only: a store that cannot be opened, is read-only, or is busy means no cache, never an
error. Entries not used for :data:`KEEP_DAYS` days are dropped when the cache is written.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from pytest_piv.coverage.static import StaticFacts, dumps_facts, loads_facts
from pytest_piv.errors import StoreError
from pytest_piv.store.db import connect

KEEP_DAYS = 30
#: how long a cache write waits for another process's write lock before giving up
WRITE_WAIT_MS = 2000
_CHUNK = 500


def _today() -> int:
    return int(time.time() // 86400)


class StoreFactsCache:
    """A :class:`~pytest_piv.coverage.static.FactsCache` in the piv store."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._stale: list[tuple[str, str]] = []

    def get(
        self, settings: str, digests: Iterable[str], *, with_arcs: bool
    ) -> Mapping[str, StaticFacts]:
        """The cached facts of those digests that have an entry (with arcs if needed)."""
        wanted = sorted(set(digests))
        found: dict[str, StaticFacts] = {}
        today = _today()
        try:
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self.conn.execute(
                    "SELECT digest, lines, arcs, used FROM coverage_facts"
                    f" WHERE settings = ? AND digest IN ({marks})",
                    (settings, *chunk),
                )
                for digest, lines, arcs, used in rows:
                    if with_arcs and arcs is None:
                        continue
                    found[digest] = loads_facts(lines, arcs)
                    if used < today:
                        self._stale.append((digest, settings))
        except (sqlite3.Error, ValueError):
            return {}
        return found

    def put(self, settings: str, facts: Mapping[str, StaticFacts]) -> None:
        """Store new entries, mark old ones used today and drop long-unused ones.

        Does nothing when there is nothing to write; gives up quietly when the store
        cannot be written (read-only, busy for more than :data:`WRITE_WAIT_MS`).
        """
        if not facts and not self._stale:
            return
        today = _today()
        rows = [(d, settings, *dumps_facts(f), today) for d, f in facts.items()]
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.executemany(
                    "INSERT INTO coverage_facts (digest, settings, lines, arcs, used)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT(digest, settings) DO UPDATE SET"
                    " lines = excluded.lines, arcs = COALESCE(excluded.arcs, arcs),"
                    " used = excluded.used",
                    rows,
                )
                self.conn.executemany(
                    "UPDATE coverage_facts SET used = ? WHERE digest = ? AND settings = ?",
                    [(today, d, s) for d, s in self._stale],
                )
                self.conn.execute("DELETE FROM coverage_facts WHERE used < ?", (today - KEEP_DAYS,))
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.Error:
            return
        self._stale = []

    def close(self) -> None:
        self.conn.close()


def open_facts_cache(db: Path) -> StoreFactsCache | None:
    """The facts cache in the store at ``db`` (created if needed), or ``None`` if unusable."""
    try:
        conn = connect(db)
    except (StoreError, sqlite3.Error, OSError):
        return None
    return StoreFactsCache(conn)
