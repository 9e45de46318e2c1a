"""A small project in a real git repository, grown commit by commit, for `piv verify`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pytest_piv.cli import main


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev")
        self.write("pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
        self.write(".gitignore", ".piv/\n")
        self.write("src/shop/__init__.py", "")
        self.write("src/shop/cart.py", "def total(prices):\n    return sum(prices)\n")
        self.write(
            "tests/test_cart.py",
            "from shop.cart import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n",
        )
        self.commit("chore: start")
        self.git("checkout", "-q", "-b", "feature")

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True
        ).stdout.strip()

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def append(self, path: str, text: str) -> None:
        target = self.root / path
        target.write_text(target.read_text(encoding="utf-8") + text, encoding="utf-8")

    def commit(self, subject: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", subject)
        return self.git("rev-parse", "HEAD")

    def add_failing_test(self) -> None:
        self.append(
            "tests/test_cart.py",
            "\n\ndef test_discount():\n    from shop.cart import discounted\n\n"
            "    assert discounted([10], 0.5) == 5\n",
        )

    def add_code(self) -> None:
        self.append(
            "src/shop/cart.py",
            "\n\ndef discounted(prices, rate):\n    return total(prices) * (1 - rate)\n",
        )


def verify(
    repo: Repo, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, Any], str]:
    """Run `piv verify --json` in-process: exit code, the JSON report, stderr."""
    code = main(["--root", str(repo.root), "verify", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip().startswith("{") else {}, err


def problems(report: dict[str, Any]) -> list[str]:
    violations = report["violations"]
    assert isinstance(violations, list)
    return [str(v["message"]) for v in violations]


def phases(report: dict[str, Any]) -> list[str]:
    commits = report["commits"]
    assert isinstance(commits, list)
    return [str(c["phase"]) for c in commits]
