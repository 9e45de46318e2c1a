from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.coverage_gate.project import BASE_PYPROJECT, DB, TESTS, VIEWS, ShopProject


@pytest.fixture
def shop(pytester: pytest.Pytester) -> ShopProject:
    """A small src-layout shop with known coverage; the argument is the coverage TOML."""

    def make(coverage_toml: str) -> Path:
        root = pytester.path
        files = {
            "src/shop/__init__.py": "",
            "src/shop/api/__init__.py": "",
            "src/shop/api/views.py": VIEWS,
            "src/shop/db.py": DB,
            **TESTS,
            "pyproject.toml": BASE_PYPROJECT + "\n" + textwrap.dedent(coverage_toml),
        }
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return root

    return make
