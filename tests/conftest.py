"""Shared fixtures: a real git project inside pytester's temporary directory."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_piv.store import ledger

PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
"""


@pytest.fixture(autouse=True)
def _no_xdist_environment_for_child_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """This suite runs under xdist; the pytest processes its tests start must not inherit
    the worker's variables, or pytest-benchmark (and piv) would take them for workers."""
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@dataclass
class Project:
    """A throwaway project under git, driven through real `pytest --piv` runs."""

    pytester: pytest.Pytester
    extra: tuple[str, ...]

    @property
    def path(self) -> Path:
        return self.pytester.path

    def write(self, relative: str, text: str) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def append(self, relative: str, text: str) -> None:
        target = self.path / relative
        target.write_text(target.read_text(encoding="utf-8") + text, encoding="utf-8")

    def commit(self, message: str = "change") -> None:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-qm", message)

    def run(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest_subprocess(
            "--piv", "-p", "no:cacheprovider", *self.extra, *args
        )

    def last_run(self) -> dict[str, tuple[str, str | None]]:
        """``{nodeid: (verdict, red_kind)}`` of the newest recorded run."""
        with contextlib.closing(sqlite3.connect(self.path / ".piv" / "piv.db")) as conn:
            newest = conn.execute("SELECT MAX(id) FROM runs").fetchone()[0]
            rows = ledger.run_results(conn, int(newest))
        return {n: (r.verdict or "", r.red_kind) for n, r in rows.items()}

    def runs(self) -> list[tuple[str, str, str]]:
        """``[(status, scope, phase), ...]`` of every run, oldest first."""
        with sqlite3.connect(self.path / ".piv" / "piv.db") as conn:
            return [
                (s, sc, p)
                for s, sc, p in conn.execute("SELECT status, scope, phase FROM runs ORDER BY id")
            ]

    def piv_json(self, *args: str) -> object:
        done = subprocess.run(
            [sys.executable, "-m", "pytest_piv", *args, "--json"],
            cwd=self.path,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)


def _make(pytester: pytest.Pytester, extra: tuple[str, ...]) -> Project:
    pytester.makefile(".toml", pyproject=PYPROJECT)
    project = Project(pytester, extra)
    project.write(".gitignore", ".piv/\n__pycache__/\n.coverage\n")
    project.write("src/shop/__init__.py", "")
    project.write("src/shop/cart.py", "def subtotal(prices):\n    return sum(prices)\n")
    project.write(
        "tests/test_cart.py",
        "from shop.cart import subtotal\n\n\ndef test_subtotal():\n"
        "    assert subtotal([1, 2]) == 3\n",
    )
    git(project.path, "init", "-q")
    git(project.path, "config", "user.email", "dev@example.com")
    git(project.path, "config", "user.name", "dev")
    project.commit("initial")
    return project


@pytest.fixture(params=[(), ("-n", "2")], ids=["no-xdist", "xdist"])
def project(request: pytest.FixtureRequest, pytester: pytest.Pytester) -> Project:
    """A git project with one passing test, run with and without `-n 2`."""
    return _make(pytester, request.param)


@pytest.fixture
def plain_project(pytester: pytest.Pytester) -> Project:
    """The same project, run without xdist only (for scenarios where xdist adds nothing)."""
    return _make(pytester, ())
