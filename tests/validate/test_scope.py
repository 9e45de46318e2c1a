"""What the scoped steps look at: the project's mypy files/exclude and the import cache."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_piv.config import load_config
from pytest_piv.validate.mypy_step import MypyScope, mypy_scope, project_cache, seed_cache
from pytest_piv.validate.project import Project, Target
from tests.validate.conftest import Repo


@pytest.mark.parametrize(
    ("scope", "path", "covered"),
    [
        (MypyScope(), "tests/test_a.py", True),
        (MypyScope(("rich",)), "rich/box.py", True),
        (MypyScope(("rich",)), "tests/test_box.py", False),
        (MypyScope(("rich/",)), "richer/x.py", False),
        (MypyScope(("src", "tests")), "tests/test_a.py", True),
        (MypyScope((".",)), "anything.py", True),
        (MypyScope(None, r"^build/|_pb2\.py$"), "src/a_pb2.py", False),
        (MypyScope(None, r"^build/|_pb2\.py$"), "src/a.py", True),
    ],
)
def test_only_files_a_whole_project_mypy_would_check_are_targets(
    scope: MypyScope, path: str, covered: bool
) -> None:
    assert scope.covers(path) is covered


def test_the_mypy_scope_is_read_where_mypy_reads_it(tmp_path: Path) -> None:
    assert mypy_scope(tmp_path) == MypyScope()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mypy]\nfiles = ["src"]\nexclude = ["^gen/", "_pb2"]\n', encoding="utf-8"
    )
    assert mypy_scope(tmp_path) == MypyScope(("src",), "(?:^gen/)|(?:_pb2)")
    (tmp_path / "mypy.ini").write_text("[mypy]\nfiles = a, b\n", encoding="utf-8")
    assert mypy_scope(tmp_path) == MypyScope(("a", "b"), None)


def _project(repo: Repo) -> Project:
    piv = load_config(repo.path)
    target = Target(repo.path, (), (), False, piv.validate, piv.roles, sys.executable, True)
    return Project(target)


def test_a_files_imports_come_from_the_cache_while_its_content_is_unchanged(repo: Repo) -> None:
    first = _project(repo).graph
    assert first.edges["shop.checkout"] == {"shop.cart": 1}
    cache = repo.path / ".piv" / "validate" / "imports-2.json"
    entries = json.loads(cache.read_text(encoding="utf-8"))
    # the cache is what is read: poison the entry of checkout.py and see it used
    for key, rows in entries.items():
        if rows == [["shop.cart.subtotal", 1, False]]:
            entries[key] = [["shop", 1, False]]
    cache.write_text(json.dumps(entries), encoding="utf-8")
    assert _project(repo).graph.edges["shop.checkout"] == {"shop": 1}
    # an entry that is not what piv wrote is parsed again
    for key, rows in entries.items():
        if rows == [["shop", 1, False]]:
            entries[key] = [["shop", 1]]
    cache.write_text(json.dumps(entries), encoding="utf-8")
    assert _project(repo).graph.edges["shop.checkout"] == {"shop.cart": 1}
    # a changed file is parsed again
    repo.write("src/shop/checkout.py", "from shop import cart\n")
    assert _project(repo).graph.edges["shop.checkout"] == {"shop.cart": 1}


def test_the_project_mypy_cache_is_found_where_mypy_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MYPY_CACHE_DIR", raising=False)
    assert project_cache(tmp_path) == tmp_path / ".mypy_cache"
    (tmp_path / "mypy.ini").write_text("[mypy]\ncache_dir = build/mypy\n", encoding="utf-8")
    assert project_cache(tmp_path) == tmp_path / "build" / "mypy"
    monkeypatch.setenv("MYPY_CACHE_DIR", "/dev/null")
    assert project_cache(tmp_path) is None


def test_the_base_checks_cache_is_seeded_once_from_the_project_cache(tmp_path: Path) -> None:
    source = tmp_path / ".mypy_cache"
    (source / "3.11").mkdir(parents=True)
    (source / "3.11" / "cache.0.db").write_bytes(b"project")
    seeded = tmp_path / ".piv" / "validate" / "mypy-head-cache"
    assert seed_cache(source, seeded) is True
    assert (seeded / "3.11" / "cache.0.db").read_bytes() == b"project"
    # once it exists it is the base check's own: never overwritten
    (seeded / "3.11" / "cache.0.db").write_bytes(b"base")
    assert seed_cache(source, seeded) is False
    assert (seeded / "3.11" / "cache.0.db").read_bytes() == b"base"
    assert seed_cache(tmp_path / "missing", tmp_path / "other") is False
    assert not (tmp_path / "other").exists()
