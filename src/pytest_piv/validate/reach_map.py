"""Each test's recorded reach, for ``piv validate``: from the store (``pytest --piv`` with
``rgr.reach = "record"``, or a ``piv verify``) and from coverage.py's per-test contexts
(``pytest --cov --cov-context=test`` writes node ids as contexts). The store wins where
both know a test; coverage cannot tell a failing test, so its tests count as passing."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from pytest_piv.errors import PivError
from pytest_piv.rgr.reach import Reach
from pytest_piv.store.db import connect
from pytest_piv.store.reach import load_reach


def recorded_reach(
    root: Path, db: Path | None, is_source: Callable[[str], bool]
) -> dict[str, Reach]:
    """Every test's reach that is known (empty when nothing was recorded)."""
    reach = coverage_reach(root, is_source)
    reach.update(stored_reach(db))
    return reach


def stored_reach(db: Path | None) -> dict[str, Reach]:
    if db is None or not db.is_file():
        return {}
    try:
        with contextlib.closing(connect(db, create=False)) as conn:
            return load_reach(conn)
    except (PivError, sqlite3.Error, OSError):
        return {}


def coverage_reach(root: Path, is_source: Callable[[str], bool]) -> dict[str, Reach]:
    """The reach in the project's coverage data file when it has pytest-cov's test contexts
    (``NODEID|setup``, ``NODEID|run``, ``NODEID|teardown``)."""
    from coverage import CoverageData  # only when piv validate looks for reach

    from pytest_piv.coverage.measured import coverage_for

    try:
        configured = coverage_for(root).get_option("run:data_file")
    except Exception:  # a broken coverage configuration: no reach from it
        return {}
    path = Path(str(configured or ".coverage"))
    path = path if path.is_absolute() else root / path
    if not path.is_file():
        return {}
    data = CoverageData(basename=str(path))
    try:
        data.read()
        if not any("::" in c for c in data.measured_contexts()):
            return {}
        files: dict[str, set[str]] = {}
        for measured in data.measured_files():
            try:
                relative = Path(measured).resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                continue
            if not is_source(relative):
                continue
            contexts = set().union(*(data.contexts_by_lineno(measured) or {}).values())
            for context in contexts:
                nodeid = context.split("|", 1)[0]
                if "::" in nodeid:
                    files.setdefault(nodeid, set()).add(relative)
    except Exception:  # coverage.py's DataError, a damaged file: no reach from it
        return {}
    return {nodeid: Reach(frozenset(paths), True) for nodeid, paths in files.items()}
