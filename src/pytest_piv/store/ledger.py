"""The RGR evidence ledger: every SQL statement about runs, results, tests and files."""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import socket
import sqlite3
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from pytest_piv.rgr.digests import TestDigest
from pytest_piv.rgr.model import (
    EMPTY,
    RED_OUTCOMES,
    FileRecord,
    Observation,
    Outcome,
    RedKind,
    TestRecord,
)
from pytest_piv.rgr.rules import PENDING_RED, Ledger, TestVerdict, Verdict
from pytest_piv.store.db import write
from pytest_piv.tools import process_alive


class RunStart(NamedTuple):
    scope: str
    scope_detail: Mapping[str, object]
    tree_id: str
    head: str | None
    mode: str
    policy: str
    workers: int


class RunEnd(NamedTuple):
    """Everything a finished run writes, in one transaction."""

    run_id: int
    status: str
    exit_code: int
    phase: str
    headline: str
    judged: Sequence[tuple[Observation, TestVerdict]]
    proofs: Sequence[tuple[str, str, str]] = ()
    collection_reds: Sequence[str] = ()
    files: Mapping[str, tuple[str, str]] = EMPTY
    verified: Sequence[str] = ()
    blobs: Mapping[str, bytes] = EMPTY
    violations: Sequence[tuple[str | None, str]] = ()
    forget_unseen: bool = False
    scope: str = "full"
    scope_detail: Mapping[str, object] = EMPTY
    tree_id: str | None = None
    #: the per-test digests of test files first seen in this run, by file digest
    test_digests: Mapping[str, Mapping[str, TestDigest]] = EMPTY


class Generation(NamedTuple):
    """Which store, how many changes its ledger tables have seen (migration 5), and a
    token drawn anew at each change (migration 6): copies of one store that diverged
    never share a generation."""

    store_id: str
    number: int
    token: str = ""


class LedgerRows(NamedTuple):
    """The ledger tables as rows, all read at one generation: what a run starts from.

    The same rows come from the tables (:func:`read_rows`) or from the warm-start
    snapshot (``store/snapshot.py``); :func:`finish_run` compares a run with them instead
    of reading the tables again when the store is still at their generation.
    """

    generation: Generation
    #: nodeid, digest, outcome, red_kind, valid_red, run_id, red_run_id, verdict
    tests: list[tuple[str, str | None, str, str | None, int, int, int | None, str | None]]
    #: key, digest
    proofs: list[tuple[str, str]]
    #: func_key, run_id
    collection_reds: list[tuple[str, int]]
    #: path, digest, role, since_run, verified_digest
    files: list[tuple[str, str | None, str, int, str | None]]
    #: nodeid, signature
    last_results: list[tuple[str, str]]
    #: file_digest, qualname, body, full: of the test files the ledger knows now
    test_digests: list[tuple[str, str, str, str]]


class RunRow(NamedTuple):
    id: int
    started: float
    finished: float | None
    status: str
    exit_code: int | None
    scope: str
    scope_detail: Mapping[str, object]
    head: str | None
    mode: str
    policy: str
    workers: int
    phase: str | None
    headline: str | None
    tests: int
    #: how many RGR violations the run recorded
    violations: int = 0


class ResultRow(NamedTuple):
    """One test's result in one run (the columns of ``_RESULT_COLUMNS``)."""

    outcome: str
    verdict: str | None
    red_kind: str | None
    red_where: str | None
    red_message: str | None
    digest: str | None


class HistoryRow(NamedTuple):
    """A test's result in one run (a :class:`ResultRow`), with the run it belongs to."""

    outcome: str
    verdict: str | None
    red_kind: str | None
    red_where: str | None
    red_message: str | None
    digest: str | None
    run_id: int = 0
    started: float = 0.0
    status: str = ""
    scope: str = ""


def start_run(conn: sqlite3.Connection, start: RunStart) -> int:
    with write(conn):
        cur = conn.execute(
            "INSERT INTO runs (started, status, scope, scope_detail, tree_id, head, mode, policy,"
            " workers, pid, host) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                time.time(),
                start.scope,
                json.dumps(dict(start.scope_detail), sort_keys=True),
                start.tree_id,
                start.head,
                start.mode,
                start.policy,
                start.workers,
                os.getpid(),
                socket.gethostname(),
            ),
        )
        return int(cur.lastrowid or 0)


def close_abandoned_runs(conn: sqlite3.Connection) -> int:
    """Mark runs of this host whose process is gone (killed, crashed) as incomplete."""
    host = socket.gethostname()
    rows = conn.execute(
        "SELECT id, pid FROM runs WHERE status = 'running' AND host = ?", (host,)
    ).fetchall()
    dead = [(run_id,) for run_id, pid in rows if pid is None or not process_alive(int(pid))]
    if dead:
        with write(conn):
            conn.executemany(
                "UPDATE runs SET status = 'incomplete', phase = 'INCOMPLETE', headline ="
                " 'the run stopped without finishing (killed or crashed)'"
                " WHERE id = ? AND status = 'running'",
                dead,
            )
    return len(dead)


_OUTCOMES = {o.value: o for o in Outcome}
_RED_KINDS = {k.value: k for k in RedKind}


def generation(conn: sqlite3.Connection) -> Generation:
    store_id, number, token = conn.execute(
        "SELECT store_id, number, token FROM ledger_generation WHERE only_row = 1"
    ).fetchone()
    return Generation(store_id, number, token)


def read_rows(conn: sqlite3.Connection) -> LedgerRows:
    """The ledger tables, read in one transaction so that they match their generation."""
    conn.execute("BEGIN")
    try:
        return LedgerRows(
            generation(conn),
            conn.execute(
                "SELECT nodeid, digest, outcome, red_kind, valid_red, run_id, red_run_id,"
                " verdict FROM tests"
            ).fetchall(),
            conn.execute("SELECT key, digest FROM proofs").fetchall(),
            conn.execute("SELECT func_key, run_id FROM collection_reds").fetchall(),
            conn.execute(
                "SELECT path, digest, role, since_run, verified_digest FROM files"
            ).fetchall(),
            conn.execute("SELECT nodeid, signature FROM last_results").fetchall(),
            conn.execute(
                "SELECT file_digest, qualname, body, full FROM test_digests WHERE file_digest"
                " IN (SELECT digest FROM files WHERE role = 'test' AND digest IS NOT NULL)"
            ).fetchall(),
        )
    finally:
        conn.execute("COMMIT")


def adopted(conn: sqlite3.Connection) -> bool:
    """Whether a run ever completed: before that, a run adopts the project."""
    found = conn.execute("SELECT 1 FROM runs WHERE status = 'complete' LIMIT 1").fetchone()
    return found is not None


def ledger_of(rows: LedgerRows, adopted: bool) -> Ledger:
    """What judging needs of the rows (positional: 2,000 records take a noticeable share of
    a run's start; dict lookups, as ``Enum(value)`` is ten times slower)."""
    outcomes, kinds = _OUTCOMES, _RED_KINDS
    new = tuple.__new__  # a NamedTuple's own __new__ is a Python function: 2.5 times slower
    tests = {
        row[0]: new(
            TestRecord,
            (
                row[0],
                row[1],
                outcomes[row[2]],
                kinds[row[3]] if row[3] else None,
                bool(row[4]),
                row[5],
                row[6],
                row[7],
            ),
        )
        for row in rows.tests
    }
    files = {
        # only source files take part in judging; test files are known by their digests
        row[0]: new(FileRecord, row)
        for row in rows.files
        if row[2] == "source"
    }
    proofs = frozenset((key, digest) for key, digest in rows.proofs)
    return Ledger(tests, proofs, dict(rows.collection_reds), files, adopted)


def test_digests_of(rows: LedgerRows) -> dict[str, dict[str, TestDigest]]:
    """The per-test digests of the rows, by file digest."""
    out: dict[str, dict[str, TestDigest]] = {}
    new = tuple.__new__
    for file_digest, qualname, body, full in rows.test_digests:
        out.setdefault(file_digest, {})[qualname] = new(TestDigest, (qualname, body, full))
    return out


#: The result columns a run records for each test, in the order of ``_RESULT_COLUMNS``.
_RESULT_COLUMNS = "outcome, verdict, red_kind, red_where, red_message, digest"
_SEP = "\x1f"


def _result_values(obs: Observation, verdict: TestVerdict) -> tuple[str | None, ...]:
    red = obs.red  # the enums are StrEnums: str values as they are
    return (
        obs.outcome,
        verdict.verdict,
        red.kind if red else None,
        red.where() if red else None,
        red.message if red else None,
        obs.digest,
    )


def _signature(values: Sequence[str | None]) -> str:
    """Must match the expression migration 4 fills ``last_results`` with."""
    return _SEP.join([v or "" for v in values])


def _node_set_digest(nodeids: Iterable[str]) -> tuple[str, bytes]:
    ordered = sorted(nodeids)
    # newline-separated, unless a node id holds a newline (a file name can): then NUL,
    # which no node id holds; a set written either way reads back the same
    if any("\n" in n for n in ordered):
        text = "".join(f"{n}\0" for n in ordered).encode("utf-8")
    else:
        text = "\n".join(ordered).encode("utf-8")
    return hashlib.sha256(text).hexdigest(), text


def _record_results(conn: sqlite3.Connection, end: RunEnd, known: LedgerRows | None) -> None:
    """Write the rows of tests whose result changed, and what rebuilds the rest."""
    last = dict(
        known.last_results
        if known is not None
        else conn.execute("SELECT nodeid, signature FROM last_results").fetchall()
    )
    rows = []
    signatures = []
    for obs, verdict in end.judged:
        values = _result_values(obs, verdict)
        signature = _signature(values)
        if last.get(obs.nodeid) != signature:
            rows.append((end.run_id, obs.nodeid, *values))
            signatures.append((obs.nodeid, signature))
    conn.executemany(
        f"INSERT OR REPLACE INTO results (run_id, nodeid, {_RESULT_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT OR REPLACE INTO last_results (nodeid, signature) VALUES (?, ?)", signatures
    )
    digest, text = _node_set_digest(obs.nodeid for obs, _ in end.judged)
    if conn.execute("SELECT 1 FROM node_sets WHERE digest = ?", (digest,)).fetchone() is None:
        conn.execute(
            "INSERT INTO node_sets (digest, nodeids) VALUES (?, ?)", (digest, zlib.compress(text))
        )
    # results are never deleted, so rowids only grow: a run's view is every row up to here
    seq = conn.execute("SELECT MAX(rowid) FROM results").fetchone()[0]
    conn.execute(
        "UPDATE runs SET tests = ?, node_set = ?, results_seq = ? WHERE id = ?",
        (len(end.judged), digest, seq or 0, end.run_id),
    )


def finish_run(
    conn: sqlite3.Connection, end: RunEnd, known: LedgerRows | None = None
) -> Generation:
    """Write a finished run in one transaction; return the generation it left the store at.

    *known* are the rows the run started from: when the store is still at their
    generation they are what the tables hold, and the tables are not read again.
    """
    complete = end.status == "complete"
    with write(conn):
        if known is not None and generation(conn) != known.generation:
            known = None  # another writer came between: compare with the tables
        _insert_test_digests(conn, end.test_digests)
        _record_results(conn, end, known)
        # rows of ``tests``: nodeid, digest, outcome, red_kind, valid_red, run_id,
        # red_run_id, verdict
        previous = {
            row[0]: row
            for row in (
                known.tests
                if known is not None
                else conn.execute(
                    "SELECT nodeid, digest, outcome, red_kind, valid_red, run_id, red_run_id,"
                    " verdict FROM tests"
                )
            )
        }
        rows = []
        for obs, verdict in end.judged:
            if verdict.verdict is Verdict.SKIPPED:
                continue
            valid = verdict.verdict in PENDING_RED
            is_red = obs.outcome in RED_OUTCOMES
            if not complete and not (is_red and valid):
                continue
            nodeid = obs.nodeid
            before = previous.get(nodeid)
            red_run = None
            if is_red:
                was_red = before is not None and before[2] in RED_OUTCOMES and before[6]
                red_run = before[6] if was_red and before is not None else end.run_id
            state = (  # the enums are StrEnums: equal to the strings the store returns
                nodeid,
                obs.digest,
                obs.outcome,
                obs.red.kind if obs.red else None,
                int(valid),
                end.run_id if before is None else before[5],
                red_run,
                verdict.verdict,
            )
            if state == before:
                continue  # unchanged: most tests of most runs, not rewritten
            rows.append((*state[:5], end.run_id, *state[6:]))
        conn.executemany(
            "INSERT OR REPLACE INTO tests (nodeid, digest, outcome, red_kind, valid_red, run_id,"
            " red_run_id, verdict) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO proofs (key, digest, how, run_id) VALUES (?, ?, ?, ?)",
            [(key, digest, how, end.run_id) for key, digest, how in end.proofs],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO collection_reds (func_key, run_id) VALUES (?, ?)",
            [(key, end.run_id) for key in end.collection_reds],
        )
        if end.forget_unseen:
            # a full run that did not see a test means the test is gone; its history stays
            seen = {obs.nodeid for obs, _ in end.judged}
            gone = [(n,) for n in previous if n not in seen]  # read in this transaction
            conn.executemany("DELETE FROM tests WHERE nodeid = ?", gone)
        if complete:
            greened = [(obs.func_key,) for obs, v in end.judged if v.verdict is Verdict.GREEN]
            conn.executemany("DELETE FROM collection_reds WHERE func_key = ?", greened)
            _update_files(conn, end, known)
        conn.executemany(
            "INSERT OR IGNORE INTO blobs (digest, content) VALUES (?, ?)",
            [(d, zlib.compress(content)) for d, content in end.blobs.items()],
        )
        conn.executemany(
            "INSERT INTO violations (run_id, nodeid, message) VALUES (?, ?, ?)",
            [(end.run_id, nodeid, message) for nodeid, message in end.violations],
        )
        conn.execute(
            "UPDATE runs SET finished = ?, status = ?, exit_code = ?, phase = ?, headline = ?,"
            " scope = ?, scope_detail = ?, tree_id = COALESCE(?, tree_id) WHERE id = ?",
            (
                time.time(),
                end.status,
                end.exit_code,
                end.phase,
                end.headline,
                end.scope,
                json.dumps(dict(end.scope_detail), sort_keys=True),
                end.tree_id,
                end.run_id,
            ),
        )
        return generation(conn)


def _update_files(conn: sqlite3.Connection, end: RunEnd, rows: LedgerRows | None) -> None:
    """Record the files' digests; a subset run leaves source files as the last full run
    saw them, so that the next full run judges their change against the whole suite (a
    run narrowed by reach is full here: every test that runs a changed file ran)."""
    files = rows.files if rows is not None else conn.execute("SELECT path, digest, role FROM files")
    full = end.scope in ("full", "reach")
    known = {row[0]: row[1] for row in files if full or row[2] != "source"}
    changed = [
        (path, digest, role, end.run_id)
        for path, (digest, role) in end.files.items()
        if known.get(path) != digest and (full or role != "source")
    ]
    conn.executemany(
        "INSERT INTO files (path, digest, role, since_run) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(path) DO UPDATE SET digest = excluded.digest, role = excluded.role,"
        " since_run = excluded.since_run",
        changed,
    )
    gone = [(end.run_id, p) for p, d in known.items() if d is not None and p not in end.files]
    conn.executemany("UPDATE files SET digest = NULL, since_run = ? WHERE path = ?", gone)
    conn.executemany(  # only where it moves: an update moves the ledger's generation
        "UPDATE files SET verified_digest = digest WHERE path = ?"
        " AND verified_digest IS NOT digest",
        [(p,) for p in end.verified],
    )


def blob(conn: sqlite3.Connection, digest: str) -> bytes | None:
    row = conn.execute("SELECT content FROM blobs WHERE digest = ?", (digest,)).fetchone()
    return zlib.decompress(row[0]) if row else None


def known_blobs(conn: sqlite3.Connection, digests: Iterable[str]) -> set[str]:
    wanted = list(digests)
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            r[0] for r in conn.execute(f"SELECT digest FROM blobs WHERE digest IN ({marks})", chunk)
        )
    return found


def cached_test_digests(
    conn: sqlite3.Connection, file_digests: Iterable[str]
) -> dict[str, dict[str, TestDigest]]:
    wanted = list(set(file_digests))
    out: dict[str, dict[str, TestDigest]] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for fd, qual, body, full in conn.execute(
            "SELECT file_digest, qualname, body, full FROM test_digests"
            f" WHERE file_digest IN ({marks})",
            chunk,
        ):
            out.setdefault(fd, {})[qual] = TestDigest(qual, body, full)
    return out


def _insert_test_digests(
    conn: sqlite3.Connection, digests: Mapping[str, Mapping[str, TestDigest]]
) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO test_digests (file_digest, qualname, body, full)"
        " VALUES (?, ?, ?, ?)",
        [(fd, d.qualname, d.body, d.full) for fd, by in digests.items() for d in by.values()],
    )


def accept(conn: sqlite3.Connection, nodeid: str, reason: str) -> str | None:
    """Record that *nodeid*'s current version is accepted without a red run."""
    with write(conn):
        row = conn.execute("SELECT digest FROM tests WHERE nodeid = ?", (nodeid,)).fetchone()
        if row is None or row[0] is None:
            return None
        conn.execute(
            "INSERT OR REPLACE INTO proofs (key, digest, how, run_id, reason)"
            " VALUES (?, ?, 'accepted', NULL, ?)",
            (nodeid, row[0], reason),
        )
        return str(row[0])


def _run_row(row: tuple[object, ...]) -> RunRow:
    detail = json.loads(str(row[6])) if row[6] else {}
    return RunRow(
        id=int(row[0]),  # type: ignore[call-overload]
        started=float(row[1]),  # type: ignore[arg-type]
        finished=float(row[2]) if row[2] is not None else None,  # type: ignore[arg-type]
        status=str(row[3]),
        exit_code=int(row[4]) if row[4] is not None else None,  # type: ignore[call-overload]
        scope=str(row[5]),
        scope_detail=detail,
        head=str(row[7]) if row[7] else None,
        mode=str(row[8]),
        policy=str(row[9]),
        workers=int(row[10]),  # type: ignore[call-overload]
        phase=str(row[11]) if row[11] else None,
        headline=str(row[12]) if row[12] else None,
        tests=int(row[13]),  # type: ignore[call-overload]
        violations=int(row[14]),  # type: ignore[call-overload]
    )


_RUN_COLUMNS = (
    "r.id, r.started, r.finished, r.status, r.exit_code, r.scope, r.scope_detail, r.head,"
    " r.mode, r.policy, r.workers, r.phase, r.headline,"
    " COALESCE(r.tests, (SELECT COUNT(*) FROM results s WHERE s.run_id = r.id)),"
    " (SELECT COUNT(*) FROM violations v WHERE v.run_id = r.id)"
)


def recent_runs(conn: sqlite3.Connection, limit: int = 20) -> list[RunRow]:
    rows = conn.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs r ORDER BY r.id DESC LIMIT ?", (limit,)
    ).fetchall()
    return [_run_row(r) for r in rows]


def run_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])


def result_count(conn: sqlite3.Connection) -> int:
    """How many test results the runs recorded (a run of 2,000 tests counts 2,000)."""
    return int(
        conn.execute(
            "SELECT COALESCE(SUM(COALESCE(r.tests,"
            " (SELECT COUNT(*) FROM results s WHERE s.run_id = r.id))), 0) FROM runs r"
        ).fetchone()[0]
    )


def _node_set(
    conn: sqlite3.Connection, digest: str, cache: dict[str, frozenset[str]]
) -> frozenset[str]:
    if digest not in cache:
        row = conn.execute("SELECT nodeids FROM node_sets WHERE digest = ?", (digest,)).fetchone()
        text = zlib.decompress(row[0]).decode("utf-8") if row else ""
        if "\0" in text:
            cache[digest] = frozenset(text.split("\0")[:-1])
        else:
            cache[digest] = frozenset(text.split("\n")) if text else frozenset()
    return cache[digest]


def run_results(conn: sqlite3.Connection, run_id: int) -> dict[str, ResultRow]:
    """Every result of run *run_id*, rebuilt from the rows of the tests that changed."""
    row = conn.execute("SELECT node_set, results_seq FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return {}
    node_set, seq = row
    if node_set is None:  # written before migration 4: one row per test of the run
        return {
            str(n): ResultRow(*values)
            for n, *values in conn.execute(
                f"SELECT nodeid, {_RESULT_COLUMNS} FROM results WHERE run_id = ?", (run_id,)
            )
        }
    nodes = _node_set(conn, str(node_set), {})
    latest: dict[str, ResultRow] = {}
    for n, *values in conn.execute(
        f"SELECT nodeid, {_RESULT_COLUMNS} FROM results WHERE rowid <= ? ORDER BY rowid",
        (seq,),
    ):
        if n in nodes:
            latest[str(n)] = ResultRow(*values)
    return latest


def history(conn: sqlite3.Connection, nodeid: str) -> list[HistoryRow]:
    """Every run that saw *nodeid*, oldest first, with the test's result in that run."""
    rows = conn.execute(
        f"SELECT rowid, run_id, {_RESULT_COLUMNS} FROM results WHERE nodeid = ? ORDER BY rowid",
        (nodeid,),
    ).fetchall()
    if not rows:
        return []
    by_run = {int(r[1]): r[2:] for r in rows}
    seqs = [int(r[0]) for r in rows]
    cache: dict[str, frozenset[str]] = {}
    out: list[HistoryRow] = []
    for run_id, started, status, scope, node_set, seq in conn.execute(
        "SELECT id, started, status, scope, node_set, results_seq FROM runs ORDER BY id"
    ):
        if node_set is None:
            values = by_run.get(int(run_id))
        elif nodeid in _node_set(conn, str(node_set), cache):
            at = bisect.bisect_right(seqs, int(seq or 0)) - 1
            values = rows[at][2:] if at >= 0 else None
        else:
            values = None
        if values is not None:
            out.append(
                HistoryRow(
                    **ResultRow(*values)._asdict(),
                    run_id=int(run_id),
                    started=float(started),
                    status=str(status),
                    scope=str(scope),
                )
            )
    return out


def proofs_of(conn: sqlite3.Connection, nodeid: str) -> list[tuple[str, str, str | None]]:
    return [
        (str(d), str(h), r)
        for d, h, r in conn.execute(
            "SELECT digest, how, reason FROM proofs WHERE key = ?", (nodeid,)
        )
    ]


def pending_reds(conn: sqlite3.Connection) -> list[tuple[str, str | None]]:
    return [
        (str(n), k)
        for n, k in conn.execute(
            "SELECT nodeid, red_kind FROM tests WHERE valid_red = 1"
            " AND outcome IN ('failed', 'error') ORDER BY nodeid"
        )
    ]


def recent_violations(conn: sqlite3.Connection, limit: int = 10) -> list[tuple[int, str]]:
    return [
        (int(r), str(m))
        for r, m in conn.execute(
            "SELECT run_id, message FROM violations ORDER BY rowid DESC LIMIT ?", (limit,)
        )
    ]


#: the verdicts a test keeps as its latest state while the violation stands
_OPEN = ("never-red", "edited-green", "regression")


class OpenViolation(NamedTuple):
    run_id: int | None
    nodeid: str | None
    message: str


def open_violations(conn: sqlite3.Connection) -> list[OpenViolation]:
    """The violations that still stand: each test whose latest verdict is one and whose
    version was not accepted since, and the run-wide ones of the last full run."""
    per_test = [
        OpenViolation(run_id, str(nodeid), str(message or f"{nodeid}: {verdict}"))
        for nodeid, verdict, run_id, message in conn.execute(
            "SELECT t.nodeid, t.verdict, v.run_id, v.message FROM tests t"
            " LEFT JOIN violations v ON v.rowid ="
            " (SELECT MAX(rowid) FROM violations WHERE nodeid = t.nodeid)"
            f" WHERE t.verdict IN ({','.join('?' * len(_OPEN))})"
            " AND NOT (t.verdict != 'regression' AND EXISTS"
            " (SELECT 1 FROM proofs p WHERE p.key = t.nodeid AND p.digest = t.digest))"
            " ORDER BY t.nodeid",
            _OPEN,
        )
    ]
    run_wide = [
        OpenViolation(int(run_id), None, str(message))
        for run_id, message in conn.execute(
            "SELECT run_id, message FROM violations WHERE nodeid IS NULL AND run_id ="
            " (SELECT MAX(id) FROM runs WHERE status = 'complete' AND scope = 'full')"
            " ORDER BY rowid"
        )
    ]
    return per_test + run_wide


def runs_of_tree(conn: sqlite3.Connection, tree_id: str, limit: int = 50) -> list[RunRow]:
    """The runs that saw exactly this tree state, newest first (the commit hooks' evidence)."""
    rows = conn.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.tree_id = ? ORDER BY r.id DESC LIMIT ?",
        (tree_id, limit),
    ).fetchall()
    return [_run_row(r) for r in rows]


def run_violations(conn: sqlite3.Connection, run_id: int) -> list[tuple[str | None, str]]:
    """The violations run *run_id* recorded: (node id or None, sentence), in order."""
    return [
        (str(n) if n is not None else None, str(m))
        for n, m in conn.execute(
            "SELECT nodeid, message FROM violations WHERE run_id = ? ORDER BY rowid", (run_id,)
        )
    ]
