"""The shop project the coverage gate's acceptance tests run against."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

# src/shop/api/views.py: 9 statements, 6 run by test_views; 1 of 2 branches
VIEWS = """\
def index():
    return "index"


def detail(n):
    if n > 0:
        return "positive"
    return "other"


def unused():
    a = 1
    return a
"""

# src/shop/db.py: 5 statements, 3 run by test_db
DB = """\
def connect():
    return "conn"


def close():
    x = 1
    return x
"""

TESTS = {
    "tests/test_views.py": """\
from shop.api.views import detail, index


def test_index():
    assert index() == "index"


def test_detail():
    assert detail(1) == "positive"
""",
    "tests/test_db.py": """\
from shop.db import connect


def test_connect():
    assert connect() == "conn"
""",
}

BASE_PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]

[tool.piv.rgr]
mode = "off"
"""


ShopProject = Callable[[str], Path]


def report_json(root: Path) -> dict[str, object]:
    data = json.loads((root / ".piv" / "coverage.json").read_text())
    assert isinstance(data, dict)
    return data


def groups(root: Path) -> dict[str, dict[str, object]]:
    data = report_json(root)["groups"]
    assert isinstance(data, list)
    return {g["rule"]: g for g in data}
