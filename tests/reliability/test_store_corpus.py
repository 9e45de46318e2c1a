"""The corruption corpus: every file beside the store damaged every way we could think of,
and one run's use of the store after each (``store_session.run_session``: the functions the
plugin calls, in its order, with its diagnosis).

For every case: zero wrong verdicts (a run that goes ahead judges from exactly the ledger
and tree state of the undamaged store), zero silent losses (a recorded run adds one run to
the full history; a run that is not recorded says so), zero silent deletions (a refused
store keeps the damaged bytes), and every message names the file and its fix.

A read-only file or directory is made so for real (a bind mount when the suite runs as
root, file modes otherwise); a full disk is a real file-size limit (``RLIMIT_FSIZE``, with
SIGXFSZ ignored, in a child process): the store's next write fails with EFBIG.
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.piv_project import (
    PivProject,
    file_size_limit,
    keep_wal_of_next_run,
    new_project,
    read_only,
)
from tests.reliability.store_session import Outcome, recorded_runs, run_session

FILES = ("piv.db", "piv.db-wal", "piv.db-shm", "piv.db-snapshot", "piv.db-listing")
FIXES = ("piv state reset", "chmod u+w", "free disk space")
OTHER_TESTS = (
    "from shop import total\n\n\ndef test_total_of_three_is_three():\n    assert total([3]) == 3\n"
)
NEW_FAILING_TEST = "\n\ndef test_total_of_one_is_one():\n    assert total([1]) == 2\n"


@dataclass(frozen=True)
class Store:
    """A project whose ``.piv`` holds all five files, the last run still in the WAL."""

    project: PivProject

    @property
    def piv(self) -> Path:
        return self.project.db.parent

    def copy_to(self, target: Path) -> Path:
        shutil.copytree(self.piv, target)
        return target / "piv.db"


def crashed_store(project: PivProject, *, refactor: bool = True) -> Store:
    assert project.run().returncode == 0
    if refactor:
        source = project.root / "src" / "shop" / "__init__.py"
        source.write_text("def total(prices):\n    return sum(list(prices))\n")
        assert project.run().returncode == 0  # REFACTOR
    tests = project.root / "tests" / "test_shop.py"
    tests.write_text(tests.read_text() + NEW_FAILING_TEST)
    assert keep_wal_of_next_run(project).returncode == 1  # RED, recorded in the WAL only
    assert {p.name for p in project.db.parent.iterdir()} == set(FILES)
    return Store(project)


@pytest.fixture(scope="module")
def stores() -> Iterator[tuple[Store, Store]]:
    with contextlib.ExitStack() as stack:
        ours, theirs = (new_project() for _ in range(2))
        stack.callback(lambda: [next(g, None) for g in (ours, theirs)])
        other = next(theirs)  # another project: another ledger
        (other.root / "tests" / "test_more.py").write_text(OTHER_TESTS)
        other.commit("test: more")
        yield crashed_store(next(ours)), crashed_store(other, refactor=False)


@dataclass(frozen=True)
class Truth:
    runs: int
    outcome: Outcome


@pytest.fixture(scope="module")
def truth(stores: tuple[Store, Store], tmp_path_factory: pytest.TempPathFactory) -> Truth:
    ours = stores[0]
    runs = recorded_runs(ours.copy_to(tmp_path_factory.mktemp("truth") / "a"))
    outcome = run_session(ours.copy_to(tmp_path_factory.mktemp("truth") / "b"), ours.project.root)
    assert outcome.result == "recorded", outcome
    return Truth(runs, outcome)


# -- the damage ------------------------------------------------------------------------

Damage = Callable[[Path, Path], None]


def truncated(path: Path, _: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def emptied(path: Path, _: Path) -> None:
    path.write_bytes(b"")


def zeroed(path: Path, _: Path) -> None:
    path.write_bytes(bytes(path.stat().st_size))


def garbage(path: Path, _: Path) -> None:
    path.write_bytes(random.Random(path.name).randbytes(path.stat().st_size))


def swapped(path: Path, theirs: Path) -> None:
    shutil.copyfile(theirs, path)


def one_frame_flipped(path: Path, _: Path) -> None:
    data = bytearray(path.read_bytes())
    data[32 + 24 + 4096 + 24 + 500] ^= 0xFF  # inside the second frame's page
    path.write_bytes(bytes(data))


DAMAGE: dict[str, Damage] = {
    "truncated": truncated,
    "emptied": emptied,
    "zeroed": zeroed,
    "garbage": garbage,
    "swapped-with-another-store-s": swapped,
}

CASES = [
    pytest.param(name, how, id=f"{name}-{label}") for name in FILES for label, how in DAMAGE.items()
] + [pytest.param("piv.db-wal", one_frame_flipped, id="piv.db-wal-one-frame-flipped")]


def bytes_kept(piv: Path, data: bytes) -> bool:
    return any(p.is_file() and p.read_bytes() == data for p in piv.iterdir())


def assert_honest(outcome: Outcome, truth: Truth, db: Path, named: Path) -> None:
    """The invariants every case must keep, whatever happened."""
    if outcome.result == "refused":
        assert str(named) in outcome.message or str(named.parent) in outcome.message, outcome
        assert any(fix in outcome.message for fix in FIXES), outcome
        return
    # the run judged: from exactly what the undamaged store holds
    assert outcome.rows == truth.outcome.rows, f"wrong ledger: {outcome.message}"
    assert outcome.tree == truth.outcome.tree, "wrong tree state"
    if outcome.result == "not recorded":
        assert str(db.parent) in outcome.message, outcome
        assert any(fix in outcome.message for fix in FIXES), outcome
        return
    assert outcome.result == "recorded", outcome
    assert recorded_runs(db) == truth.runs + 1, "a recorded run, but the history lost runs"


@pytest.mark.parametrize(("name", "damage"), CASES)
def test_a_damaged_file_beside_the_store_never_gives_a_wrong_verdict_or_a_silent_loss(
    stores: tuple[Store, Store], truth: Truth, tmp_path: Path, name: str, damage: Damage
) -> None:
    ours, theirs = stores
    db = ours.copy_to(tmp_path / ".piv")
    target = db.with_name(name)
    damage(target, theirs.piv / name)
    damaged = target.read_bytes()

    outcome = run_session(db, ours.project.root)

    assert_honest(outcome, truth, db, target)
    if outcome.result == "refused" and name in ("piv.db", "piv.db-wal"):
        assert bytes_kept(db.parent, damaged), "the damaged file was deleted or replaced"
        assert "piv state reset" in outcome.message, outcome
    if name in ("piv.db", "piv.db-wal"):
        # the store or its log lost bytes or was swapped: never a run that goes ahead as if
        # nothing happened
        assert outcome.result == "refused", outcome


@pytest.mark.parametrize("name", [*FILES, "."])
def test_a_read_only_file_or_directory_beside_the_store_is_named_with_its_fix(
    stores: tuple[Store, Store], truth: Truth, tmp_path: Path, name: str
) -> None:
    ours, _ = stores
    db = ours.copy_to(tmp_path / ".piv")
    target = db.parent if name == "." else db.with_name(name)
    before = {p.name: p.read_bytes() for p in db.parent.iterdir()}

    with read_only(target):
        outcome = run_session(db, ours.project.root)

    assert_honest(outcome, truth, db, target)
    if outcome.result != "recorded":
        assert "read-only" in outcome.message, outcome
        assert "piv state reset" not in outcome.message
        assert {p.name for p in db.parent.iterdir()} >= set(before)


@pytest.mark.slow  # a child process per case
@pytest.mark.parametrize("room", [0, 4120, 3 * 4120], ids=["no-frame", "one-frame", "three-frames"])
def test_a_full_disk_is_named_with_its_fix_and_loses_nothing(
    stores: tuple[Store, Store], truth: Truth, tmp_path: Path, room: int
) -> None:
    ours, _ = stores
    db = ours.copy_to(tmp_path / ".piv")
    wal = db.with_name("piv.db-wal").stat().st_size  # the log is what a run writes to

    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.store_session", str(db), str(ours.project.root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=Path(__file__).parents[2],
        preexec_fn=file_size_limit(wal + room),
    )
    outcome = Outcome(**json.loads(done.stdout))

    assert_honest(outcome, truth, db, db)
    assert outcome.result == "not recorded", outcome  # judged, and said it was not recorded
    assert "is full" in outcome.message, outcome
    assert "piv state reset" not in outcome.message
    assert recorded_runs(db) >= truth.runs  # nothing recorded before was lost
