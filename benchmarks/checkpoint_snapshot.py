"""Benchmark: the checkpoint snapshot of a 10,000-file repository with 100 changed files.

Targets (issue 12): the snapshot in at most 0.5 s, and ``piv checkpoint --no-validate``
end to end (snapshot, secret scan of the 100 changed files, commit, tag) in at most 1 s.
Builds the repository in ``--workdir`` (a temporary directory by default), then per
round: change 100 files, time :func:`take_snapshot` in-process, change 100 files again,
time ``piv checkpoint --no-validate --no-verify`` as a subprocess. Prints the median and
the min of ``--repeat`` rounds as JSON, wall time and CPU time (user + system, children
included: the figure to read on a loaded machine)::

    .venv/bin/python benchmarks/checkpoint_snapshot.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_piv import gitplumbing
from pytest_piv.checkpoints.snapshot import take_snapshot


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def build(root: Path, files: int) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    for n in range(files):
        directory = root / f"pkg{n // 100:03d}"
        directory.mkdir(exist_ok=True)
        (directory / f"mod{n:05d}.py").write_text(f"VALUE_{n} = {n}\n" * 10)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "10k files")
    git(root, "status", "--porcelain")  # a refreshed index, as in a working repository


def change(root: Path, files: int, count: int, rng: random.Random) -> None:
    for n in rng.sample(range(files), count):
        path = root / f"pkg{n // 100:03d}" / f"mod{n:05d}.py"
        path.write_text(f"CHANGED = {rng.random()}\n")


def _cpu() -> float:
    """User + system CPU seconds of this process and its finished children (git, piv,
    detect-secrets): what the wall time would be on an idle machine, less waits."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="piv-bench-cp-"))
    root = workdir / "repo"
    build(root, args.files)
    repo = gitplumbing.open_repo(root)
    rng = random.Random(1)
    snapshot_s, checkpoint_s, snapshot_cpu, checkpoint_cpu = [], [], [], []
    piv = [sys.executable, "-m", "pytest_piv", "--root", str(root)]
    for _ in range(args.repeat):
        change(root, args.files, args.changed, rng)
        started, cpu = time.perf_counter(), _cpu()
        take_snapshot(repo, subject="bench {number}", trailers={})
        snapshot_s.append(time.perf_counter() - started)
        snapshot_cpu.append(_cpu() - cpu)
        change(root, args.files, args.changed, rng)
        started, cpu = time.perf_counter(), _cpu()
        done = subprocess.run([*piv, "checkpoint", "--no-validate", "--no-verify"], cwd=root,
                              capture_output=True, text=True)  # fmt: skip
        checkpoint_s.append(time.perf_counter() - started)
        checkpoint_cpu.append(_cpu() - cpu)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
    report = {
        "files": args.files,
        "changed": args.changed,
        "repeat": args.repeat,
        "snapshot_s": _stats(snapshot_s),
        "snapshot_cpu_s": _stats(snapshot_cpu),
        "checkpoint_no_validate_s": _stats(checkpoint_s),
        "checkpoint_no_validate_cpu_s": _stats(checkpoint_cpu),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
