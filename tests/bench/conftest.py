"""A pytester project whose benchmarks slow down on command, for real pytest-benchmark runs."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import git

PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["."]

[tool.piv.rgr]
mode = "off"
"""

WORK = '''\
import json
import os
import pathlib

HERE = pathlib.Path(__file__).parent
FACTORS = json.loads((HERE / "factors.json").read_text())
COUNTER = HERE / "processes.txt"
try:
    INDEX = int(COUNTER.read_text())
except (OSError, ValueError):  # not there yet, or being written by a parallel xdist worker
    INDEX = 0
COUNTER.write_text(str(INDEX + 1))


def factor(name):
    """This process's work factor for a benchmark (a list gives one per process), times
    the machine's (BENCH_MACHINE_FACTOR: a slower machine, the same on both sides of A/B)."""
    value = FACTORS.get(name, 1.0)
    if isinstance(value, list):
        value = value[min(INDEX, len(value) - 1)]
    return value * float(os.environ.get("BENCH_MACHINE_FACTOR", "1"))


def spin(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
'''

TESTS = """\
import work


def test_a(benchmark):
    benchmark(work.spin, int(1500 * work.factor("a")))


def test_b(benchmark):
    benchmark(work.spin, int(1500 * work.factor("b")))
"""

#: Short, many-round measurements: about 40 ms per benchmark.
FAST = (
    "--benchmark-max-time=0.04",
    "--benchmark-min-rounds=30",
    "--benchmark-warmup=off",
    "-p",
    "no:cacheprovider",
)


@dataclass
class BenchProject:
    pytester: pytest.Pytester

    @property
    def path(self) -> Path:
        return self.pytester.path

    def write(self, relative: str, text: str) -> None:
        (self.path / relative).write_text(text, encoding="utf-8")

    def wide_threshold(self, baseline_processes: int | None = None) -> None:
        """A 200 % threshold: 5x changes still show; this busy 2-core box, where a neighbour
        on the sibling hyperthread makes whole runs up to 1.7x slower, never does."""
        extra = "" if baseline_processes is None else f"baseline_processes = {baseline_processes}\n"
        self.write("pyproject.toml", PYPROJECT + f'\n[tool.piv.bench]\nthreshold = "200%"\n{extra}')

    def factors(self, **factors: float | list[float]) -> None:
        """Set each benchmark's work factor; lists give one factor per fresh process."""
        self.write("factors.json", json.dumps(factors))
        (self.path / "processes.txt").unlink(missing_ok=True)

    def run(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest_subprocess("--piv", *FAST, *args)

    def verdicts(self) -> dict[str, str]:
        """``{name: verdict}`` of the newest pytest run."""
        with sqlite3.connect(self.path / ".piv" / "piv.db") as conn:
            rows = conn.execute(
                "SELECT name, verdict FROM bench_verdicts WHERE run_id ="
                " (SELECT MAX(id) FROM bench_runs WHERE source = 'pytest')"
            ).fetchall()
        return {name.split("::")[-1]: verdict for name, verdict in rows}

    def query(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.path / ".piv" / "piv.db") as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture
def bench_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> BenchProject:
    # pytest-benchmark switches itself off when it believes it runs in an xdist worker
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    pytester.makefile(".toml", pyproject=PYPROJECT)
    project = BenchProject(pytester)
    project.write("work.py", WORK)
    project.write("test_bench.py", TESTS)
    project.factors(a=1.0, b=1.0)
    return project


@pytest.fixture
def git_bench_project(bench_project: BenchProject) -> BenchProject:
    bench_project.write(".gitignore", ".piv/\n__pycache__/\nprocesses.txt\n")
    git(bench_project.path, "init", "-q")
    git(bench_project.path, "config", "user.email", "dev@example.com")
    git(bench_project.path, "config", "user.name", "dev")
    git(bench_project.path, "add", "-A")
    git(bench_project.path, "commit", "-qm", "base")
    return bench_project
