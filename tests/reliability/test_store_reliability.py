"""The evidence store and the tree state hold up under real-world abuse.

Every test here drives real ``pytest --piv`` processes (and real git) on a tiny project in a
temporary directory: concurrent runs, SIGKILL in the middle of a run and in the middle of a
write transaction, a corrupt store, a store from a newer pytest-piv, a plain directory, a
shallow clone and a detached HEAD.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pytest_piv.store import connect, integrity_ok, ledger

DB = Path(".piv/piv.db")
TESTS_PER_RUN = 4
XDIST = [pytest.param((), id="no-xdist"), pytest.param(("-n", "2"), id="xdist")]

PYPROJECT = """\
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
"""

SOURCE = """\
def total(prices):
    return sum(prices)
"""

TESTS = """\
import pytest

from shop import total


@pytest.mark.parametrize("n", [0, 1, 2])
def test_total_of_n_ones_is_n(n):
    assert total([1] * n) == n


def test_total_of_nothing_is_zero():
    assert total([]) == 0
"""


# -- helpers ---------------------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: none of this suite's pytest or coverage state."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "PIV_", "COV_CORE_", "GIT_"))
    }
    env.update(
        GIT_AUTHOR_NAME="piv",
        GIT_AUTHOR_EMAIL="piv@example.com",
        GIT_COMMITTER_NAME="piv",
        GIT_COMMITTER_EMAIL="piv@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    env.update(extra)
    return env


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(),
    )
    return done.stdout.strip()


def write_project(root: Path) -> Path:
    (root / "src" / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / ".gitignore").write_text(".piv/\n__pycache__/\n.pytest_cache/\n")
    (root / "src" / "shop" / "__init__.py").write_text(SOURCE)
    (root / "tests" / "test_shop.py").write_text(TESTS)
    return root


def git_project(root: Path) -> Path:
    write_project(root)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "feat: total")
    return root


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "--piv", "-p", "no:cacheprovider", *args]


def run_piv(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """One ``pytest --piv`` run; stdout and stderr together in ``.stdout``."""
    return subprocess.run(
        pytest_command(*args),
        cwd=root,
        env=clean_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=180,
        check=False,
    )


PIV_MAIN = "import sys; from pytest_piv.cli import main; sys.exit(main())"


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One ``piv`` command, as the console script runs it."""
    return subprocess.run(
        [sys.executable, "-c", PIV_MAIN, *args],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def start_piv(root: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """A ``pytest --piv`` run in its own process group, so it can be killed with its workers."""
    return subprocess.Popen(
        pytest_command(*args),
        cwd=root,
        env=clean_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


@contextlib.contextmanager
def store(root: Path) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(connect(root / DB, create=False)) as conn:
        yield conn


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"the run ended (exit {proc.returncode}) before {path.name}:\n{out}")
        if time.monotonic() > deadline:
            kill_group(proc)
            pytest.fail(f"{path.name} did not appear within {timeout:.0f} s")
        time.sleep(0.02)


def kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)


def assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout
    for bad in ("locked", "could not record", "NOT RECORDED", "INTERNALERROR", "Traceback"):
        assert bad not in done.stdout, done.stdout


def non_empty_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# -- concurrency -----------------------------------------------------------------------


@pytest.mark.slow
def test_two_concurrent_xdist_runs_twenty_times_lose_no_record_and_never_find_the_store_locked(
    tmp_path: Path,
) -> None:
    root = git_project(tmp_path / "project")
    finished: list[subprocess.CompletedProcess[str]] = []
    for _ in range(20):
        procs = [start_piv(root, "-n", "2") for _ in range(2)]
        for proc in procs:
            out, _ = proc.communicate(timeout=180)
            finished.append(subprocess.CompletedProcess(proc.args, proc.returncode, out))

    for done in finished:
        assert_clean(done)
    with store(root) as conn:
        runs = ledger.recent_runs(conn, limit=100)
        results = ledger.result_count(conn)
        rebuilt = [len(ledger.run_results(conn, r.id)) for r in runs]
    assert len(runs) == 40
    assert rebuilt == [TESTS_PER_RUN] * 40
    assert [(r.status, r.tests, r.workers) for r in runs] == [("complete", TESTS_PER_RUN, 2)] * 40
    assert results == 40 * TESTS_PER_RUN
    assert integrity_ok(root / DB)


@pytest.mark.slow
def test_two_first_runs_at_once_both_create_and_record_into_one_store(tmp_path: Path) -> None:
    root = git_project(tmp_path / "project")
    for attempt in range(5):
        procs = [start_piv(root) for _ in range(2)]
        outs = [(proc.communicate(timeout=120)[0], proc.returncode) for proc in procs]
        for out, code in outs:
            assert_clean(subprocess.CompletedProcess([], code, out))
        with store(root) as conn:
            assert ledger.run_count(conn) == 2, attempt
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for path in (root / ".piv").iterdir():
            path.unlink()


# -- SIGKILL -----------------------------------------------------------------------------

SLEEPING_TEST = """\
import os
import pathlib
import time


def test_waits_to_be_killed():
    mark = os.environ.get("RELIABILITY_KILL_MARK")
    if mark:
        pathlib.Path(mark).touch()
        time.sleep(120)
"""

HANG_IN_WRITE_CONFTEST = """\
import os
import time

import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    # Hold the run inside piv's write transaction (results inserted, nothing committed)
    # until the test kills the process.
    mark = os.environ.get("RELIABILITY_WRITE_MARK")
    plugin = session.config.pluginmanager.get_plugin("piv-rgr")
    if not mark or plugin is None:
        return

    def hang(statement):
        if statement.startswith("INSERT OR REPLACE INTO tests"):
            with open(mark, "w") as f:
                f.write(statement[:60])
            time.sleep(120)

    plugin.conn.set_trace_callback(hang)
"""

BIG_WRITER = """\
import sys
import time
from pathlib import Path

from pytest_piv.rgr.model import Observation, Outcome, Red, RedKind
from pytest_piv.rgr.rules import TestVerdict, Verdict
from pytest_piv.store import connect, ledger

conn = connect(Path(sys.argv[1]))
conn.execute("PRAGMA cache_size = 50")  # a small cache spills the open transaction to the WAL
run_id = ledger.start_run(
    conn, ledger.RunStart("full", {}, "0" * 40, None, "enforce", "standard", 0)
)
judged = []
for i in range(int(sys.argv[2])):
    nodeid = f"tests/test_big.py::test_case[{i}]"
    red = Red(RedKind.ASSERTION, "tests/test_big.py", i, "assert " + "x" * 300)
    obs = Observation(nodeid, Outcome.FAILED, f"{i:016x}", nodeid, f"{i:016x}", red)
    judged.append((obs, TestVerdict(nodeid, Verdict.RED)))


def hang(statement):
    if statement.startswith("INSERT OR REPLACE INTO tests"):
        print("in transaction", flush=True)
        time.sleep(120)


conn.set_trace_callback(hang)
valid = {obs.nodeid: True for obs, _ in judged}
ledger.finish_run(conn, ledger.RunEnd(run_id, "complete", 1, "RED", "big", judged, valid))
print("committed", flush=True)
"""


def store_counts(root: Path) -> tuple[int, int, int]:
    """(runs, complete runs, results) of the project's store."""
    with store(root) as conn:
        complete = conn.execute("SELECT COUNT(*) FROM runs WHERE status = 'complete'").fetchone()
        return ledger.run_count(conn), int(complete[0]), ledger.result_count(conn)


@pytest.mark.slow
def test_a_run_killed_while_its_tests_run_leaves_a_sound_store_and_the_next_run_works(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path / "project")
    (root / "tests" / "test_slow.py").write_text(SLEEPING_TEST)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "test: a slow test")
    assert_clean(run_piv(root, "-n", "2"))
    before = store_counts(root)

    mark = tmp_path / "test-is-running"
    proc = start_piv(root, "-n", "2", RELIABILITY_KILL_MARK=str(mark))
    wait_for(mark, proc)
    kill_group(proc)

    assert proc.returncode == -signal.SIGKILL
    assert integrity_ok(root / DB)
    # the killed run's own row is there (it was written at its start), none of its results
    assert store_counts(root) == (before[0] + 1, before[1], before[2])
    after = run_piv(root, "-n", "2")
    assert_clean(after)
    runs, complete, results = store_counts(root)
    assert (runs, complete) == (before[0] + 2, before[1] + 1)
    assert results == before[2] + TESTS_PER_RUN + 1
    with contextlib.closing(connect(root / DB)) as conn:
        killed = ledger.recent_runs(conn, 2)[1]
    assert (killed.status, killed.phase) == ("incomplete", "INCOMPLETE")
    assert killed.headline == "the run stopped without finishing (killed or crashed)"


@pytest.mark.slow
def test_a_run_killed_inside_its_write_transaction_leaves_no_half_written_run(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path / "project")
    (root / "tests" / "conftest.py").write_text(HANG_IN_WRITE_CONFTEST)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "test: hang in the write")
    assert_clean(run_piv(root))
    runs_before, complete_before, results_before = store_counts(root)

    mark = tmp_path / "inside-the-transaction"
    proc = start_piv(root, RELIABILITY_WRITE_MARK=str(mark))
    wait_for(mark, proc)
    kill_group(proc)

    assert mark.read_text().startswith("INSERT OR REPLACE INTO tests")
    assert integrity_ok(root / DB)
    runs, complete, results = store_counts(root)
    assert (complete, results) == (complete_before, results_before)
    assert runs <= runs_before + 1  # at most the killed run's own row, never its results
    assert_clean(run_piv(root))
    assert store_counts(root)[1:] == (complete_before + 1, results_before + TESTS_PER_RUN)


@pytest.mark.slow
def test_a_writer_killed_after_its_transaction_spilled_into_the_wal_leaves_a_sound_store(
    tmp_path: Path,
) -> None:
    root = git_project(tmp_path / "project")
    assert_clean(run_piv(root))
    _, complete_before, results_before = store_counts(root)

    writer = subprocess.Popen(
        [sys.executable, "-c", BIG_WRITER, str(root / DB), "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "in transaction\n"
    wal = root / ".piv" / "piv.db-wal"
    assert wal.stat().st_size > 1_000_000  # uncommitted pages of 20,000 results are on disk
    kill_group(writer)

    assert integrity_ok(root / DB)
    assert store_counts(root)[1:] == (complete_before, results_before)
    assert_clean(run_piv(root))
    assert store_counts(root)[1:] == (complete_before + 1, results_before + TESTS_PER_RUN)


# -- a store pytest-piv cannot use ------------------------------------------------------


def corrupt_whole_file(db: Path) -> None:
    db.write_bytes(os.urandom(16384))


def corrupt_pages_keep_header(db: Path) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    data[4096:] = os.urandom(len(data) - 4096)
    db.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(corrupt_whole_file, id="garbage-file"),
        pytest.param(corrupt_pages_keep_header, id="valid-header-garbage-pages"),
    ],
)
@pytest.mark.parametrize("xdist", XDIST)
def test_a_corrupt_store_is_a_one_line_usage_error_and_reset_keeps_a_backup(
    tmp_path: Path, corrupt: Callable[[Path], None], xdist: tuple[str, ...]
) -> None:
    root = git_project(tmp_path / "project")
    assert_clean(run_piv(root))
    db = root / DB
    corrupt(db)
    garbage = db.read_bytes()

    done = run_piv(root, *xdist)

    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    lines = non_empty_lines(done.stdout)
    assert len(lines) == 1, done.stdout
    assert str(db) in lines[0]
    assert "is not a readable piv store" in lines[0]
    assert "piv state reset" in lines[0]
    assert db.read_bytes() == garbage

    reset = run_cli(root, "state", "reset")
    assert reset.returncode == 0, reset.stderr
    backups = [b for b in db.parent.glob("piv.db.bak-*") if not b.name.endswith(("-wal", "-shm"))]
    assert len(backups) == 1
    assert backups[0].read_bytes() == garbage
    assert not db.exists()
    after = run_piv(root, *xdist)
    assert_clean(after)
    assert "piv: ADOPTED" in after.stdout


def test_a_store_with_a_newer_schema_says_to_upgrade_and_deletes_nothing(tmp_path: Path) -> None:
    root = git_project(tmp_path / "project")
    assert_clean(run_piv(root))
    db = root / DB
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA user_version = 999")
        before = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    done = run_piv(root)
    status = run_cli(root, "status")

    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    lines = non_empty_lines(done.stdout)
    assert len(lines) == 1, done.stdout
    assert str(db) in lines[0]
    assert "schema version 999" in lines[0]
    assert "upgrade pytest-piv" in lines[0]
    assert "Traceback" not in done.stdout
    assert status.returncode == 2
    assert "upgrade pytest-piv" in status.stderr
    assert db.exists()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 999
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == before == 1
        assert conn.execute("SELECT COUNT(*) FROM results").fetchone()[0] == TESTS_PER_RUN
    assert not list(db.parent.glob("*.bak-*"))


# -- the project's version control ------------------------------------------------------

NEW_PASSING_TEST = """

def test_total_of_two_ones_is_two():
    assert total([1, 1]) == 2
"""

NEW_FAILING_TEST = """

def test_total_ignores_none():
    assert total([1, None]) == 1
"""


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
def test_a_project_outside_git_hashes_every_file_and_still_judges_rgr(
    tmp_path: Path, xdist: tuple[str, ...]
) -> None:
    root = write_project(tmp_path / "plain")
    ceiling = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    assert subprocess.run(
        ["git", "rev-parse", "--git-dir"], cwd=root, env=clean_env(**ceiling), check=False
    ).returncode

    first = run_piv(root, *xdist, **ceiling)
    assert_clean(first)
    assert "piv: note: not a git repository: every test and source file was hashed" in first.stdout
    with store(root) as conn:
        assert ledger.recent_runs(conn, 1)[0].head is None

    with (root / "tests" / "test_shop.py").open("a") as f:
        f.write(NEW_PASSING_TEST)
    second = run_piv(root, *xdist, **ceiling)

    assert second.returncode == pytest.ExitCode.TESTS_FAILED, second.stdout
    assert (
        "tests/test_shop.py::test_total_of_two_ones_is_two passed on its first recorded run"
        in second.stdout
    )


def assert_records_head_and_judges(root: Path, xdist: tuple[str, ...]) -> None:
    first = run_piv(root, *xdist)
    assert_clean(first)
    with store(root) as conn:
        assert ledger.recent_runs(conn, 1)[0].head == git(root, "rev-parse", "HEAD")

    with (root / "tests" / "test_shop.py").open("a") as f:
        f.write(NEW_FAILING_TEST)
    commit_all(root, "test: total ignores None")
    second = run_piv(root, *xdist)

    assert second.returncode == pytest.ExitCode.TESTS_FAILED, second.stdout
    assert "piv: RED" in second.stdout
    with store(root) as conn:
        last = ledger.recent_runs(conn, 1)[0]
    assert (last.status, last.phase) == ("complete", "RED")
    assert last.head == git(root, "rev-parse", "HEAD")


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
def test_a_shallow_clone_works_and_records_head(tmp_path: Path, xdist: tuple[str, ...]) -> None:
    origin = git_project(tmp_path / "origin")
    (origin / "src" / "shop" / "__init__.py").write_text(SOURCE + "\n\nCURRENCY = 'EUR'\n")
    commit_all(origin, "feat: currency")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"

    assert_records_head_and_judges(clone, xdist)


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
def test_a_detached_head_works_and_records_head(tmp_path: Path, xdist: tuple[str, ...]) -> None:
    root = git_project(tmp_path / "project")
    git(root, "checkout", "-q", "--detach")
    assert git(root, "branch", "--show-current") == ""

    assert_records_head_and_judges(root, xdist)
