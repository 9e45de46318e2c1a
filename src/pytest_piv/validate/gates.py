"""The quality gates: function and file length, complexity, import cycles, imports per module.

Pure functions from source text (or the import graph) to :class:`Measure` rows. A measure
over its limit is a violation; :func:`new_violations` keeps only the violations that the
baseline (the same files at HEAD) did not have, or that got worse, like the coverage
ratchet: existing debt is recorded, only new debt fails.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from pytest_piv.validate.findings import Finding
from pytest_piv.validate.imports import ImportGraph
from pytest_piv.validate.settings import GateSettings

FUNCTION_LENGTH = "PIV101"
FILE_LENGTH = "PIV102"
COMPLEXITY = "PIV103"
IMPORT_CYCLE = "PIV104"
PROJECT_IMPORTS = "PIV105"


class Measure(NamedTuple):
    """One gate's measurement that exceeded its limit, with what identifies it over time."""

    finding: Finding
    #: (code, path, symbol): stable across line shifts
    key: tuple[str, str, str]
    value: int


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_TRIES = (ast.Try, ast.TryStar)
_BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler, ast.match_case)


def complexity(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """McCabe's cyclomatic complexity of one function, counted as ruff's C901 and mccabe
    count it: 1, plus one per ``if``/``elif``, ``for``, ``while``, ``except``, ``try``'s
    ``else`` and ``case``.
    Boolean operators, conditional expressions and comprehensions do not count; a nested
    function adds its own complexity (it is also measured on its own); a nested class not.
    """
    score = 1
    stack: list[ast.AST] = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, _FUNCTIONS):
            score += complexity(node)  # as mccabe: a nested function's paths are its parent's
            continue
        if isinstance(node, (ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, _BRANCHES) or (isinstance(node, _TRIES) and node.orelse):
            score += 1
        stack.extend(ast.iter_child_nodes(node))
    return score


def _functions(tree: ast.AST) -> Iterable[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function with its qualified name (``Cart.total``, ``outer.<locals>.inner``)."""
    stack: list[tuple[str, ast.AST]] = [("", tree)]
    while stack:
        prefix, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _FUNCTIONS):
                name = f"{prefix}{child.name}"
                yield name, child
                stack.append((f"{name}.<locals>.", child))
            elif isinstance(child, ast.ClassDef):
                stack.append((f"{prefix}{child.name}.", child))
            else:
                stack.append((prefix, child))


def file_measures(path: str, source: str, gates: GateSettings) -> list[Measure]:
    """Function length, file length and complexity of one file, over their limits."""
    found: list[Measure] = []
    lines = source.count("\n") + (0 if source.endswith("\n") or not source else 1)
    if gates.file_length is not None and lines > gates.file_length:
        message = f"file is {lines} lines long (max {gates.file_length})"
        found.append(
            Measure(Finding(path, 1, 1, FILE_LENGTH, message), (FILE_LENGTH, path, ""), lines)
        )
    if gates.function_length is None and gates.complexity is None:
        return found
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return found
    for name, function in _functions(tree):
        first = min([function.lineno, *(d.lineno for d in function.decorator_list)])
        length = (function.end_lineno or function.lineno) - first + 1
        where = (path, function.lineno, function.col_offset + 1)
        if gates.function_length is not None and length > gates.function_length:
            message = f"function {name} is {length} lines long (max {gates.function_length})"
            found.append(
                Measure(
                    Finding(*where, FUNCTION_LENGTH, message), (FUNCTION_LENGTH, path, name), length
                )
            )
        if gates.complexity is not None:
            score = complexity(function)
            if score > gates.complexity:
                message = f"function {name} has complexity {score} (max {gates.complexity})"
                found.append(
                    Measure(Finding(*where, COMPLEXITY, message), (COMPLEXITY, path, name), score)
                )
    return found


def graph_measures(
    graph: ImportGraph, modules: Iterable[str] | None, gates: GateSettings
) -> list[Measure]:
    """Import cycles and imports of project modules, for ``modules`` (None: all of them).

    A cycle is reported once, at the import that its first module (sorted) makes of the
    next module in the cycle, and only when one of ``modules`` is part of it.
    """
    wanted = set(graph.files if modules is None else modules) & set(graph.files)
    found: list[Measure] = []
    if gates.project_imports is not None:
        for module in sorted(wanted):
            targets = graph.edges.get(module, {})
            if len(targets) > gates.project_imports:
                path = graph.files[module]
                message = (
                    f"module {module} imports {len(targets)} project modules"
                    f" (max {gates.project_imports})"
                )
                found.append(
                    Measure(
                        Finding(path, 1, 1, PROJECT_IMPORTS, message),
                        (PROJECT_IMPORTS, path, module),
                        len(targets),
                    )
                )
    if gates.import_cycles:
        for cycle in graph.cycles():
            if not wanted & set(cycle):
                continue
            first = cycle[0]
            members = set(cycle)
            target, line = next(
                ((t, ln) for t, ln in sorted(graph.runtime_edges[first].items()) if t in members),
                (first, 1),
            )
            path = graph.files[first]
            shown = " -> ".join((*cycle, cycle[0])) if len(cycle) > 1 else f"{first} -> {first}"
            message = f"import cycle {shown} (here: import of {target})"
            found.append(
                Measure(
                    Finding(path, line, 1, IMPORT_CYCLE, message),
                    (IMPORT_CYCLE, "", " ".join(cycle)),
                    len(cycle),
                )
            )
    return found


def new_violations(
    current: Iterable[Measure], before: Mapping[tuple[str, str, str], int], where: str
) -> list[Measure]:
    """The measures of ``current`` that the baseline ``before`` (named ``where``) did not
    have, or that got worse: those say what the baseline had (``where`` is ``"at HEAD"`` or
    ``"in piv-gates-baseline.json"``: ``(max 50; 61 at HEAD)``)."""
    fresh = []
    for measure in current:
        if measure.key not in before:
            fresh.append(measure)
        elif measure.value > before[measure.key]:
            finding = measure.finding
            message = finding.message
            was = f"; {before[measure.key]} {where})"
            message = message[:-1] + was if message.endswith(")") else f"{message} ({was[2:]}"
            fresh.append(measure._replace(finding=finding._replace(message=message)))
    return fresh
