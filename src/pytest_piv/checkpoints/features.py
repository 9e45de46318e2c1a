"""Features from evidence: ``@pytest.mark.piv_feature("id")`` ties tests to a feature, and
the ledger's last outcomes say which pass.

The marks are read from the test files' syntax (module ``pytestmark``, class and function
decorators), so a test that never ran is still known, as *not run*. A feature *passes*
when it has tests and every one of them passed on its last run. The features file
(``features.json``: ``[{"id", "description", "passes"}]``, the shape a roadmap keeps by
hand) is written only from these results.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_piv.paths import FileRoles

MARKER = "piv_feature"
PASSING = ("passed", "xpassed")
FAILING = ("failed", "error")


@dataclass(frozen=True)
class FeatureProgress:
    id: str
    description: str = ""
    passing: tuple[str, ...] = ()
    failing: tuple[str, ...] = ()
    not_run: tuple[str, ...] = ()

    @property
    def tests(self) -> int:
        return len(self.passing) + len(self.failing) + len(self.not_run)

    @property
    def passes(self) -> bool:
        return self.tests > 0 and len(self.passing) == self.tests

    @property
    def status(self) -> str:
        if self.passes:
            return "done"
        return "in progress" if self.passing or self.failing else "not started"

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "description": self.description,
            "passes": self.passes,
            "status": self.status,
            "passing": list(self.passing),
            "failing": list(self.failing),
            "not_run": list(self.not_run),
        }


@dataclass
class _Feature:
    description: str = ""
    tests: list[str] = field(default_factory=list)


def _mark(node: ast.expr) -> tuple[str, str] | None:
    """``(id, description)`` of a ``pytest.mark.piv_feature("id", "description")`` call."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == MARKER):
        return None
    values = [a.value for a in node.args if isinstance(a, ast.Constant)]
    for keyword in node.keywords:
        if keyword.arg in ("id", "description") and isinstance(keyword.value, ast.Constant):
            values.insert(0 if keyword.arg == "id" else len(values), keyword.value.value)
    if not values or not isinstance(values[0], str):
        return None
    description = values[1] if len(values) > 1 and isinstance(values[1], str) else ""
    return values[0], description


def _marks(nodes: Iterable[ast.expr]) -> list[tuple[str, str]]:
    found = []
    for node in nodes:
        for item in node.elts if isinstance(node, ast.List | ast.Tuple) else [node]:
            mark = _mark(item)
            if mark:
                found.append(mark)
    return found


def marked_tests(path: str, source: str) -> list[tuple[str, str, str]]:
    """``(test node id, feature id, description)`` for each marked test function of a file."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    module_marks = [
        mark
        for stmt in tree.body
        if isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets)
        for mark in _marks([stmt.value])
    ]
    found: list[tuple[str, str, str]] = []

    def visit(body: list[ast.stmt], prefix: str, inherited: list[tuple[str, str]]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
                visit(stmt.body, f"{prefix}::{stmt.name}",
                      inherited + _marks(stmt.decorator_list))  # fmt: skip
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name.startswith(
                "test"
            ):
                for feature, description in inherited + _marks(stmt.decorator_list):
                    found.append((f"{prefix}::{stmt.name}", feature, description))

    visit(tree.body, path, module_marks)
    return found


def find_test_files(root: Path, roles: FileRoles) -> list[str]:
    """The project's test files (relative, ``/``-separated), skipping hidden and venv dirs."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in ("venv",
                       "__pycache__", "node_modules", "build", "dist")]  # fmt: skip
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        paths = [name if rel_dir == "." else f"{rel_dir}/{name}" for name in filenames]
        found.extend(p for p, role in roles.roles_of(paths).items() if role == "test")
    return sorted(found)


def feature_progress(
    root: Path, roles: FileRoles, outcomes: Mapping[str, str]
) -> list[FeatureProgress]:
    """Each feature's passing, failing and not-run tests, from the last *outcomes*."""
    features: dict[str, _Feature] = {}
    for path in find_test_files(root, roles):
        try:
            source = (root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for test, feature, description in marked_tests(path, source):
            entry = features.setdefault(feature, _Feature())
            entry.description = entry.description or description
            entry.tests.append(test)
    by_base: dict[str, list[str]] = {}
    for nodeid, outcome in outcomes.items():
        by_base.setdefault(nodeid.split("[", 1)[0], []).append(outcome)
    found = []
    for feature, entry in sorted(features.items()):
        passing, failing, not_run = [], [], []
        for test in entry.tests:
            seen = by_base.get(test, [])
            if not seen or all(o not in PASSING + FAILING for o in seen):
                not_run.append(test)
            elif any(o in FAILING for o in seen):
                failing.append(test)
            else:
                passing.append(test)
        found.append(FeatureProgress(feature, entry.description, tuple(passing),
                                     tuple(failing), tuple(not_run)))  # fmt: skip
    return found


def write_features_file(path: Path, features: Iterable[FeatureProgress]) -> None:
    """Write the features file atomically: ``[{"id", "description", "passes"}, ...]``."""
    data = [{"id": f.id, "description": f.description, "passes": f.passes} for f in features]
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def markdown(features: Iterable[FeatureProgress]) -> str:
    rows = [
        "| feature | description | passing | failing | not run | status |",
        "|---|---|---|---|---|---|",
    ]
    for f in features:
        rows.append(
            f"| `{f.id}` | {f.description} | {len(f.passing)} | {len(f.failing)} | "
            f"{len(f.not_run)} | {f.status} |"
        )
    return "\n".join(rows) + "\n"
