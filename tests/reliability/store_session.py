"""The store's side of one ``pytest --piv`` run, as the plugin drives it, without pytest:
open the store, start from the snapshot or the tables, list the work tree (through the
listing cache), write a run, refresh the snapshot. Each step is the function the plugin
calls, and each failure goes through the same diagnosis (``store.diagnose``).

Run as a script (``python -m tests.reliability.store_session DB ROOT``) it prints the
outcome as JSON, so that a case can run under a file-size limit in its own process.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from pytest_piv.config import load_config
from pytest_piv.errors import StoreError
from pytest_piv.store import connect, diagnose, ledger, snapshot
from pytest_piv.store.db import LISTING_SUFFIX, beside
from pytest_piv.vcs import TreeStateJob


@dataclass(frozen=True)
class Outcome:
    #: "recorded", "not recorded" (judged, but the write failed) or "refused" (not judged)
    result: str
    #: the message the user would see (empty when recorded)
    message: str = ""
    #: the ledger rows the run judged from, without their generation (a ``repr``)
    rows: str = ""
    #: the tree state the run judged (files and roles, a ``repr``)
    tree: str = ""


def ledger_repr(rows: ledger.LedgerRows) -> str:
    return repr([sorted(table) for table in rows[1:]])


def tree_repr(root: Path, listing: Path | None) -> str:
    piv = load_config(root, env={})
    tree = TreeStateJob(root, piv.roles, listing).result()
    return repr((sorted(tree.files.items()), sorted(tree.roles.items())))


def run_session(db: Path, root: Path) -> Outcome:
    """One run's use of the store at *db* for the project at *root*."""
    try:
        conn = connect(db)
    except StoreError as exc:
        return Outcome("refused", str(exc))
    try:
        try:
            loaded = snapshot.load(conn, snapshot.snapshot_path(db))
            ledger.adopted(conn)
        except (sqlite3.Error, OSError, StoreError) as exc:
            return Outcome("refused", str(diagnose(db, exc)))
        rows = ledger_repr(loaded.rows)
        tree = tree_repr(root, beside(db, LISTING_SUFFIX))
        try:
            ledger.close_abandoned_runs(conn)
            run_id = ledger.start_run(
                conn, ledger.RunStart("full", {}, "", None, "enforce", "standard", 0)
            )
            now = ledger.finish_run(
                conn,
                ledger.RunEnd(run_id, "complete", 0, "UNCHANGED", "corpus run", judged=()),
                loaded.rows,
            )
            snapshot.refresh(conn, snapshot.snapshot_path(db), loaded, now)
        except (sqlite3.Error, OSError, StoreError) as exc:
            return Outcome("not recorded", str(diagnose(db, exc)), rows, tree)
        return Outcome("recorded", "", rows, tree)
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.close()


def recorded_runs(db: Path) -> int:
    """How many runs the store at *db* holds, read as the next run would."""
    with contextlib.closing(connect(db, create=False)) as conn:
        return ledger.run_count(conn)


if __name__ == "__main__":
    outcome = run_session(Path(sys.argv[1]), Path(sys.argv[2]))
    sys.stdout.write(json.dumps(asdict(outcome)))
    sys.stdout.flush()
    os._exit(0)
