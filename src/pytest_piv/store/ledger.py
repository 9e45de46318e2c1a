"""The RGR evidence ledger: every SQL statement about runs, results, tests and files."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pytest_piv.rgr.digests import TestDigest
from pytest_piv.rgr.model import FileRecord, Observation, Outcome, RedKind, TestRecord
from pytest_piv.rgr.rules import PENDING_RED, Ledger, TestVerdict, Verdict
from pytest_piv.store.db import write


@dataclass(frozen=True)
class RunStart:
    scope: str
    scope_detail: Mapping[str, object]
    tree_id: str
    head: str | None
    mode: str
    policy: str
    workers: int


@dataclass(frozen=True)
class RunEnd:
    """Everything a finished run writes, in one transaction."""

    run_id: int
    status: str
    exit_code: int
    phase: str
    headline: str
    judged: Sequence[tuple[Observation, TestVerdict]]
    proofs: Sequence[tuple[str, str, str]] = ()
    collection_reds: Sequence[str] = ()
    files: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    verified: Sequence[str] = ()
    blobs: Mapping[str, bytes] = field(default_factory=dict)
    violations: Sequence[tuple[str | None, str]] = ()
    forget_unseen: bool = False
    scope: str = "full"
    scope_detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRow:
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


@dataclass(frozen=True)
class HistoryRow:
    run_id: int
    started: float
    status: str
    scope: str
    outcome: str
    verdict: str | None
    red_kind: str | None
    red_where: str | None
    red_message: str | None
    digest: str | None


def start_run(conn: sqlite3.Connection, start: RunStart) -> int:
    with write(conn):
        cur = conn.execute(
            "INSERT INTO runs (started, status, scope, scope_detail, tree_id, head, mode, policy,"
            " workers, pid, host) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                time.time(),
                start.scope,
                json.dumps(start.scope_detail, sort_keys=True),
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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_abandoned_runs(conn: sqlite3.Connection) -> int:
    """Mark runs of this host whose process is gone (killed, crashed) as incomplete."""
    host = socket.gethostname()
    rows = conn.execute(
        "SELECT id, pid FROM runs WHERE status = 'running' AND host = ?", (host,)
    ).fetchall()
    dead = [(run_id,) for run_id, pid in rows if pid is None or not _alive(int(pid))]
    if dead:
        with write(conn):
            conn.executemany(
                "UPDATE runs SET status = 'incomplete', phase = 'INCOMPLETE', headline ="
                " 'the run stopped without finishing (killed or crashed)'"
                " WHERE id = ? AND status = 'running'",
                dead,
            )
    return len(dead)


def load_ledger(conn: sqlite3.Connection) -> Ledger:
    tests = {
        row[0]: TestRecord(
            nodeid=row[0],
            digest=row[1],
            outcome=Outcome(row[2]),
            red_kind=RedKind(row[3]) if row[3] else None,
            valid_red=bool(row[4]),
            run_id=row[5],
            red_run_id=row[6],
            verdict=row[7],
        )
        for row in conn.execute(
            "SELECT nodeid, digest, outcome, red_kind, valid_red, run_id, red_run_id, verdict"
            " FROM tests"
        )
    }
    proofs = frozenset((k, d) for k, d in conn.execute("SELECT key, digest FROM proofs"))
    collection_reds = dict(conn.execute("SELECT func_key, run_id FROM collection_reds").fetchall())
    files = {
        row[0]: FileRecord(row[0], row[1], row[2], row[3], row[4])
        for row in conn.execute("SELECT path, digest, role, since_run, verified_digest FROM files")
    }
    adopted = conn.execute("SELECT 1 FROM runs WHERE status = 'complete' LIMIT 1").fetchone()
    return Ledger(tests, proofs, collection_reds, files, adopted is not None)


def finish_run(conn: sqlite3.Connection, end: RunEnd) -> None:
    complete = end.status == "complete"
    with write(conn):
        conn.executemany(
            "INSERT OR REPLACE INTO results (run_id, nodeid, outcome, verdict, red_kind,"
            " red_where, red_message, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    end.run_id,
                    obs.nodeid,
                    obs.outcome.value,
                    verdict.verdict.value,
                    obs.red.kind.value if obs.red else None,
                    obs.red.where() if obs.red else None,
                    obs.red.message if obs.red else None,
                    obs.digest,
                )
                for obs, verdict in end.judged
            ],
        )
        previous = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT nodeid, digest, outcome, red_kind, valid_red, red_run_id, verdict"
                " FROM tests"
            )
        }
        rows = []
        for obs, verdict in end.judged:
            if verdict.verdict is Verdict.SKIPPED:
                continue
            valid = verdict.verdict in PENDING_RED
            if not complete and not (obs.outcome.is_red and valid):
                continue
            before = previous.get(obs.nodeid)
            red_run = None
            if obs.outcome.is_red:
                was_red = before is not None and Outcome(before[1]).is_red and before[4]
                red_run = before[4] if was_red and before is not None else end.run_id
            state = (
                obs.digest,
                obs.outcome.value,
                obs.red.kind.value if obs.red else None,
                int(valid),
                red_run,
                verdict.verdict.value,
            )
            if before is not None and tuple(before) == state:
                continue  # unchanged: most tests of most runs, not rewritten
            rows.append((obs.nodeid, *state[:4], end.run_id, *state[4:]))
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
            gone = [(n,) for (n,) in conn.execute("SELECT nodeid FROM tests") if n not in seen]
            conn.executemany("DELETE FROM tests WHERE nodeid = ?", gone)
        if complete:
            greened = [(obs.func_key,) for obs, v in end.judged if v.verdict is Verdict.GREEN]
            conn.executemany("DELETE FROM collection_reds WHERE func_key = ?", greened)
            _update_files(conn, end)
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
            " scope = ?, scope_detail = ? WHERE id = ?",
            (
                time.time(),
                end.status,
                end.exit_code,
                end.phase,
                end.headline,
                end.scope,
                json.dumps(end.scope_detail, sort_keys=True),
                end.run_id,
            ),
        )


def _update_files(conn: sqlite3.Connection, end: RunEnd) -> None:
    known = {row[0]: row[1] for row in conn.execute("SELECT path, digest FROM files")}
    changed = [
        (path, digest, role, end.run_id)
        for path, (digest, role) in end.files.items()
        if known.get(path) != digest
    ]
    conn.executemany(
        "INSERT INTO files (path, digest, role, since_run) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(path) DO UPDATE SET digest = excluded.digest, role = excluded.role,"
        " since_run = excluded.since_run",
        changed,
    )
    gone = [(end.run_id, p) for p, d in known.items() if d is not None and p not in end.files]
    conn.executemany("UPDATE files SET digest = NULL, since_run = ? WHERE path = ?", gone)
    conn.executemany(
        "UPDATE files SET verified_digest = digest WHERE path = ?", [(p,) for p in end.verified]
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


def save_test_digests(
    conn: sqlite3.Connection, digests: Mapping[str, Mapping[str, TestDigest]]
) -> None:
    rows = [(fd, d.qualname, d.body, d.full) for fd, by in digests.items() for d in by.values()]
    if rows:
        with write(conn):
            conn.executemany(
                "INSERT OR IGNORE INTO test_digests (file_digest, qualname, body, full)"
                " VALUES (?, ?, ?, ?)",
                rows,
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
    )


_RUN_COLUMNS = (
    "r.id, r.started, r.finished, r.status, r.exit_code, r.scope, r.scope_detail, r.head,"
    " r.mode, r.policy, r.workers, r.phase, r.headline,"
    " (SELECT COUNT(*) FROM results s WHERE s.run_id = r.id)"
)


def recent_runs(conn: sqlite3.Connection, limit: int = 20) -> list[RunRow]:
    rows = conn.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs r ORDER BY r.id DESC LIMIT ?", (limit,)
    ).fetchall()
    return [_run_row(r) for r in rows]


def run_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])


def result_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])


def history(conn: sqlite3.Connection, nodeid: str) -> list[HistoryRow]:
    rows = conn.execute(
        "SELECT r.id, r.started, r.status, r.scope, s.outcome, s.verdict, s.red_kind,"
        " s.red_where, s.red_message, s.digest FROM results s JOIN runs r ON r.id = s.run_id"
        " WHERE s.nodeid = ? ORDER BY r.id",
        (nodeid,),
    ).fetchall()
    return [HistoryRow(*row) for row in rows]


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
