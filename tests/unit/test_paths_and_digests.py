"""Globs, file roles, module names and per-test digests."""

from __future__ import annotations

import pytest

from pytest_piv.paths import FileRoles, matches_any, module_name
from pytest_piv.rgr.digests import func_key, function_digests, split_nodeid, split_test_nodeid


@pytest.mark.parametrize(
    ("path", "pattern", "matches"),
    [
        ("src/shop/api/v1.py", "src/shop/api/**", True),
        ("src/shop/api.py", "src/shop/api/**", False),
        ("src/shop/cart.py", "src/**/*.py", True),
        ("src/cart.py", "src/**/*.py", True),
        ("tests/unit/test_x.py", "test_*.py", True),
        ("tests/unit/helper.py", "test_*.py", False),
        ("a/b.py", "a/?.py", True),
        ("a/bc.py", "a/[bc].py", False),
        ("a/c.py", "a/[!b].py", True),
    ],
)
def test_globs_follow_gitignore_style_rules(path: str, pattern: str, matches: bool) -> None:
    assert matches_any(path, [pattern]) is matches


def test_tests_win_over_source_and_excludes_win_over_both() -> None:
    roles = FileRoles(tests=("test_*.py",), source=("**/*.py",), exclude=("build/**",))
    assert roles.role("pkg/test_a.py") == "test"
    assert roles.role("pkg/a.py") == "source"
    assert roles.role("build/a.py") is None
    assert roles.role("README.md") is None


def test_the_roles_of_many_paths_are_each_paths_role_leaving_out_the_roleless() -> None:
    roles = FileRoles(tests=("test_*.py",), source=("**/*.py",), exclude=("build/**",))
    paths = ["pkg/test_a.py", "pkg/a.py", "build/a.py", "README.md", "x.py"]
    assert roles.roles_of(paths) == {
        "pkg/test_a.py": "test",
        "pkg/a.py": "source",
        "x.py": "source",
    }
    assert roles.roles_of(paths) == {p: r for p in paths if (r := roles.role(p)) is not None}


@pytest.mark.parametrize(
    ("path", "name"),
    [("src/shop/cart.py", "shop.cart"), ("shop/__init__.py", "shop"), ("app.py", "app")],
)
def test_module_name_of_a_source_path(path: str, name: str) -> None:
    assert module_name(path) == name


SOURCE = """
import pytest


@pytest.mark.parametrize("x", [1, 2])
def test_a(x):
    assert x  # a comment


class TestB:
    def test_b(self):
        assert True
"""


def test_digests_ignore_formatting_comments_and_decorators_but_not_the_body() -> None:
    before = function_digests(SOURCE)
    reformatted = function_digests(SOURCE.replace("# a comment", "").replace("[1, 2]", "[1, 2, 3]"))
    assert set(before) == {"test_a", "TestB.test_b"}
    assert reformatted["test_a"].body == before["test_a"].body
    assert reformatted["test_a"].full != before["test_a"].full
    changed = function_digests(SOURCE.replace("assert x", "assert x > 0"))
    assert changed["test_a"].body != before["test_a"].body
    assert changed["TestB.test_b"] == before["TestB.test_b"]


def test_a_file_that_does_not_parse_has_no_digests() -> None:
    assert function_digests("def broken(:\n") == {}


def test_node_ids_split_into_path_qualname_and_parameters() -> None:
    assert split_nodeid("tests/t.py::TestC::test_x[a-1]") == ("tests/t.py", "TestC.test_x", "[a-1]")
    assert func_key("tests/t.py::TestC::test_x[a::b]") == "tests/t.py::TestC::test_x"


@pytest.mark.parametrize(
    "nodeid",
    [
        "tests/t.py::test_x",
        "tests/t.py::TestC::test_x[a-1]",
        "tests/t.py::TestC::test_x[a::b]",
        "tests/t.py::test_y[]",
        "tests/t.py",
        "tests/doc.txt::doc.txt",
    ],
)
def test_the_one_step_split_agrees_with_split_nodeid_and_func_key(nodeid: str) -> None:
    path, qualname, _ = split_nodeid(nodeid)
    assert split_test_nodeid(nodeid) == (path, qualname, func_key(nodeid))
