"""The quality gates: each passes under its limit, fails over it, and only new debt fails."""

from __future__ import annotations

import ast

import pytest

from pytest_piv.validate.gates import (
    COMPLEXITY,
    FILE_LENGTH,
    FUNCTION_LENGTH,
    IMPORT_CYCLE,
    PROJECT_IMPORTS,
    complexity,
    file_measures,
    graph_measures,
    new_violations,
)
from pytest_piv.validate.imports import build_graph
from pytest_piv.validate.settings import GateSettings

OFF = GateSettings(None, None, None, False, None)


def function(body_lines: int, name: str = "f") -> str:
    return f"def {name}():\n" + "    x = 1\n" * (body_lines - 1)


@pytest.mark.parametrize(("lines", "fails"), [(50, False), (51, True)])
def test_a_function_longer_than_the_limit_fails(lines: int, fails: bool) -> None:
    found = file_measures("a.py", function(lines), GateSettings())
    assert [m.finding.code for m in found] == ([FUNCTION_LENGTH] if fails else [])
    if fails:
        assert found[0].finding.render() == (
            f"a.py:1:1: {FUNCTION_LENGTH} function f is 51 lines long (max 50)"
        )


def test_decorators_count_toward_a_functions_length_and_methods_are_named_by_class() -> None:
    source = "class Cart:\n    @property\n    def total(self):\n        return 1\n"
    found = file_measures("a.py", source, OFF._replace(function_length=2))
    assert [m.finding.message for m in found] == ["function Cart.total is 3 lines long (max 2)"]


@pytest.mark.parametrize(("lines", "fails"), [(500, False), (501, True)])
def test_a_file_longer_than_the_limit_fails(lines: int, fails: bool) -> None:
    found = file_measures("a.py", "x = 1\n" * lines, OFF._replace(file_length=500))
    assert [m.finding.code for m in found] == ([FILE_LENGTH] if fails else [])


@pytest.mark.parametrize(
    ("body", "score"),
    [
        ("    return 1\n", 1),
        ("    if a:\n        return 1\n    return 2\n", 2),
        ("    if a:\n        pass\n    elif b:\n        pass\n    else:\n        pass\n", 3),
        ("    if a and b or c:\n        return 1\n", 2),
        ("    for x in y:\n        while x:\n            pass\n", 3),
        ("    try:\n        pass\n    except E:\n        pass\n    except F:\n        pass\n", 3),
        ("    return [x for x in y if x]\n", 1),
        ("    match a:\n        case 1:\n            pass\n        case _:\n            pass\n", 3),
        ("    def inner():\n        if a:\n            pass\n    return 1 if a else 2\n", 3),
        ("    try:\n        pass\n    except E:\n        pass\n    else:\n        pass\n", 3),
    ],
)
def test_complexity_counts_the_decision_points_ruffs_c901_counts(body: str, score: int) -> None:
    tree = ast.parse("def f(a, b, c, y):\n" + body)
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef)
    assert complexity(node) == score


def test_a_function_over_the_complexity_limit_fails() -> None:
    source = "def f(a):\n" + "".join(f"    if a == {i}:\n        return {i}\n" for i in range(10))
    found = file_measures("a.py", source, OFF._replace(complexity=10))
    assert [(m.finding.code, m.finding.message) for m in found] == [
        (COMPLEXITY, "function f has complexity 11 (max 10)")
    ]
    assert file_measures("a.py", source, OFF._replace(complexity=11)) == []


def test_a_file_that_does_not_parse_is_measured_by_length_only() -> None:
    assert file_measures("a.py", "def (\n", GateSettings()) == []


def _no_init(directory: str) -> bool:
    return False


def test_an_import_cycle_fails_at_the_import_that_closes_it() -> None:
    graph = build_graph({"a.py": "import os\nimport b\n", "b.py": "import a\n"}, _no_init)
    found = graph_measures(graph, None, OFF._replace(import_cycles=True))
    assert [m.finding.render() for m in found] == [
        f"a.py:2:1: {IMPORT_CYCLE} import cycle a -> b -> a (here: import of b)"
    ]
    acyclic = build_graph({"a.py": "import b\n", "b.py": "\n"}, _no_init)
    assert graph_measures(acyclic, None, OFF._replace(import_cycles=True)) == []


@pytest.mark.parametrize("guard", ["if TYPE_CHECKING:", "if typing.TYPE_CHECKING:"])
def test_an_import_only_for_type_checking_closes_no_cycle(guard: str) -> None:
    b = f"import typing\nfrom typing import TYPE_CHECKING\n\n{guard}\n    import a\n"
    graph = build_graph({"a.py": "import b\n", "b.py": b}, _no_init)
    assert graph_measures(graph, None, OFF._replace(import_cycles=True)) == []
    # mypy still needs it: a change to a re-checks b
    assert graph.reverse_closure({"a"}) == {"b"}


def test_an_import_in_the_else_of_a_type_checking_guard_still_runs() -> None:
    b = "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    pass\nelse:\n    import a\n"
    graph = build_graph({"a.py": "import b\n", "b.py": b}, _no_init)
    assert [
        m.finding.code for m in graph_measures(graph, None, OFF._replace(import_cycles=True))
    ] == [IMPORT_CYCLE]


def test_a_cycle_outside_the_selected_modules_is_not_reported() -> None:
    graph = build_graph({"a.py": "import b\n", "b.py": "import a\n", "c.py": ""}, _no_init)
    assert graph_measures(graph, {"c"}, OFF._replace(import_cycles=True)) == []


@pytest.mark.parametrize(("imported", "fails"), [(5, False), (6, True)])
def test_a_module_importing_more_project_modules_than_the_limit_fails(
    imported: int, fails: bool
) -> None:
    sources = {f"m{i}.py": "" for i in range(imported)}
    sources["main.py"] = "".join(f"import m{i}\n" for i in range(imported)) + "import os\n"
    graph = build_graph(sources, _no_init)
    found = graph_measures(graph, {"main"}, OFF._replace(project_imports=5))
    assert [m.finding.code for m in found] == ([PROJECT_IMPORTS] if fails else [])


def test_only_violations_that_are_new_or_worse_than_the_baseline_fail() -> None:
    limits = OFF._replace(function_length=2)
    before = file_measures("a.py", function(4, "old") + function(3, "same"), limits)
    after = file_measures(
        "a.py", "\n\n" + function(5, "old") + function(3, "same") + function(3, "new"), limits
    )
    fresh = new_violations(after, {m.key: m.value for m in before}, "at HEAD")
    assert [m.finding.message for m in fresh] == [
        "function old is 5 lines long (max 2; 4 at HEAD)",
        "function new is 3 lines long (max 2)",
    ]


def test_a_gate_switched_off_reports_nothing() -> None:
    source = function(80) + "x = 1\n" * 600
    assert file_measures("a.py", source, OFF) == []
