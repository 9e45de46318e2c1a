"""A tiny typed project in a real git repository, and ``piv`` driven through CliRunner."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pytest_piv.cli import cli

PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]

[tool.mypy]
strict = true
mypy_path = "src"

[tool.ruff.lint]
select = ["E", "F", "I"]
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@dataclass
class Repo:
    path: Path

    def write(self, relative: str, text: str) -> None:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit(self, message: str = "change") -> None:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-qm", message)

    def piv(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            cli, ["--root", str(self.path), *args], standalone_mode=False, catch_exceptions=False
        )
        return int(result.return_value or 0), result.output

    def validate_json(self, *args: str) -> tuple[int, dict[str, object]]:
        code, out = self.piv("validate", "--json", *args)
        data = json.loads(out)
        assert isinstance(data, dict)
        return code, data


def make_repo(path: Path, extra_pyproject: str = "") -> Repo:
    repo = Repo(path)
    repo.write("pyproject.toml", PYPROJECT + extra_pyproject)
    repo.write(".gitignore", ".piv/\n__pycache__/\n.mypy_cache/\n")
    repo.write("src/shop/__init__.py", "")
    repo.write(
        "src/shop/cart.py", "def subtotal(prices: list[int]) -> int:\n    return sum(prices)\n"
    )
    repo.write(
        "src/shop/checkout.py",
        "from shop.cart import subtotal\n\n\n"
        "def total(prices: list[int]) -> int:\n    return subtotal(prices) + 1\n",
    )
    repo.write(
        "tests/test_checkout.py",
        "from shop.checkout import total\n\n\n"
        "def test_total() -> None:\n    assert total([1]) == 2\n",
    )
    repo.write("tests/test_other.py", "def test_other() -> None:\n    assert True\n")
    git(path, "init", "-q")
    git(path, "config", "user.email", "dev@example.com")
    git(path, "config", "user.name", "dev")
    repo.commit("initial")
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "shop")
