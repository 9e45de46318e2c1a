"""SIGKILL at random points of ``piv checkpoint`` and ``piv rollback``: git stays sound,
no ref is half-written, no file is lost, and a rerun completes."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.checkpoints.conftest import git, picture

KILLS = 16  # per command: 32 in all


def _project(root: Path) -> None:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "k@example.com")
    git(root, "config", "user.name", "k")
    (root / ".gitignore").write_text("*.log\n")
    for n in range(200):
        (root / f"d{n % 10}").mkdir(exist_ok=True)
        (root / f"d{n % 10}" / f"f{n}.txt").write_text(f"{n}\n" * 20)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")


def _piv(root: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest_piv", "--root", str(root), *args],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill_after(process: subprocess.Popen[bytes], delay: float) -> bool:
    """Kill the command's whole process group; True when it was still running."""
    time.sleep(delay)
    running = process.poll() is None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return running


def _timed(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    """The exit code of a command that runs to the end, and how long it took."""
    started = time.monotonic()
    code = process.wait()
    return code, time.monotonic() - started


def _sound(root: Path) -> None:
    fsck = subprocess.run(["git", "fsck", "--no-dangling"], cwd=root, capture_output=True)
    assert fsck.returncode == 0, fsck.stderr
    for line in git(root, "for-each-ref", "--format=%(objectname) %(refname)").splitlines():
        sha, ref = line.split(" ", 1)
        assert git(root, "cat-file", "-t", sha).strip() in ("commit", "tag"), ref


def _edit(root: Path, rng: random.Random) -> None:
    for n in rng.sample(range(200), 20):
        (root / f"d{n % 10}" / f"f{n}.txt").write_text(f"edited {rng.random()}\n")
    (root / f"new{rng.randint(0, 10**6)}.txt").write_text("new\n")
    (root / "d0" / "f0.txt").unlink(missing_ok=True)


@pytest.mark.slow
def test_a_killed_checkpoint_loses_no_file_and_a_rerun_completes(tmp_path: Path) -> None:
    root = tmp_path / "r"
    _project(root)
    rng = random.Random(12)
    interrupted = 0
    span = 1.0  # how long a whole checkpoint takes here: kills land inside it, loaded or not
    for _ in range(KILLS):
        _edit(root, rng)
        before = picture(root)
        command = _piv(root, "checkpoint", "--no-validate", "--no-verify")
        interrupted += _kill_after(command, rng.uniform(0.05, 0.9) * span)
        assert picture(root) == before
        _sound(root)
        code, span = _timed(_piv(root, "checkpoint", "--no-validate", "--no-verify"))
        assert code in (0, 6)
        assert picture(root) == before
        assert git(root, "status", "--porcelain") == ""
        _sound(root)
    assert interrupted >= KILLS // 4


@pytest.mark.slow
def test_a_killed_rollback_loses_no_file_and_a_rerun_completes(tmp_path: Path) -> None:
    root = tmp_path / "r"
    _project(root)
    rng = random.Random(34)
    _edit(root, rng)
    assert _piv(root, "checkpoint", "--no-validate", "--wip").wait() == 0
    target = {p: e for p, e in picture(root).items() if not p.endswith(".log")}
    interrupted = 0
    span = 1.0  # how long a whole rollback takes here
    for _ in range(KILLS):
        _edit(root, rng)
        (root / "keep.log").write_text(f"ignored {rng.random()}\n")
        before = picture(root)
        delay = rng.uniform(0.05, 0.9) * span
        interrupted += _kill_after(_piv(root, "rollback", "main/1"), delay)
        _sound(root)
        code, span = _timed(_piv(root, "rollback", "main/1"))
        assert code == 0
        after = picture(root)
        assert {p: e for p, e in after.items() if not p.endswith(".log")} == target
        assert after["keep.log"] == before["keep.log"]
        assert _piv(root, "rollback", "--undo").wait() == 0
        assert picture(root) == before
        _sound(root)
    assert interrupted >= KILLS // 4
