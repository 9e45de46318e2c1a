"""A pytester project with a CPU-hot test and a memory-hungry one, for real profilers."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["."]
"""

TESTS = """\
import pytest

HOARD = []


def spin(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def test_hot():
    assert spin(5_000_000) > 0


def test_hungry():
    blocks = [bytearray(10_000) for _ in range(3_000)]  # about 30 MB at its peak
    assert len(blocks) == 3_000


def test_light():
    assert sum(range(1000)) == 499500
"""


@dataclass
class ProfProject:
    pytester: pytest.Pytester

    @property
    def path(self) -> Path:
        return self.pytester.path

    def write(self, relative: str, text: str) -> None:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def configure(self, profile_table: str) -> None:
        self.write("pyproject.toml", PYPROJECT + "\n[tool.piv.profile]\n" + profile_table)

    def run(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)

    def runs(self) -> list[Path]:
        base = self.path / ".piv" / "profiles"
        return sorted(p for p in base.iterdir() if (p / "report.json").is_file())

    def report(self) -> dict[str, Any]:
        data = json.loads((self.runs()[-1] / "report.json").read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data

    def budgets(self) -> dict[tuple[str, str], str]:
        """``{(subject, kind): verdict}`` of the newest run's memory budgets."""
        return {(b["subject"], b["kind"]): b["verdict"] for b in self.report()["budgets"]}

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path / ".piv" / "piv.db") as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture
def prof_project(pytester: pytest.Pytester) -> ProfProject:
    project = ProfProject(pytester)
    project.write("pyproject.toml", PYPROJECT)
    project.write("test_work.py", TESTS)
    return project
