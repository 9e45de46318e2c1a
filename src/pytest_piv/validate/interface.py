"""What other modules' type checking can see of a module, and whether a change altered it.

mypy checks a module against the *interfaces* of the modules it imports: module- and
class-level statements, and each function's signature (name, parameters, annotations,
defaults, decorators, ``async``). A function body is invisible to other modules, with two
exceptions kept here: an assignment to an attribute (``self.size = 0`` gives ``Cart`` an
attribute whose type mypy infers from the value) and a ``global`` statement (the body
sets module variables; then the whole body counts). Unannotated functions return ``Any``
whatever their body does.

So when every changed file is a ``.py``/``.pyi`` file that exists on both sides with the
same interface digest, and nothing mypy reads as configuration changed, an unchanged
module type-checks exactly as it did at the base: its errors are old ones, known without
checking the base. Comments and formatting never change a digest; a docstring at module or
class level does (it is a statement there), which is only ever conservative.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: files mypy reads besides modules: its configuration, PEP 561 markers and path files
_CONFIG_SUFFIXES = (".toml", ".cfg", ".ini", ".pth", "py.typed")


def _visible(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a function body that other modules can see."""
    inner = [node for stmt in body for node in ast.walk(stmt)]
    if any(isinstance(node, ast.Global) for node in inner):
        return body
    kept: list[ast.stmt] = []
    for node in inner:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        if any(isinstance(target, ast.Attribute) for target in targets):
            kept.append(node)
    return kept


def _nested_bodies(node: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists inside a class, ``if``, ``try``, ``with``, ``match``..."""
    found = []
    for field in ("body", "orelse", "finalbody"):
        value = getattr(node, field, None)
        if isinstance(value, list):
            found.append([n for n in value if isinstance(n, ast.stmt)])
    found += [handler.body for handler in getattr(node, "handlers", ())]
    found += [case.body for case in getattr(node, "cases", ())]
    return found


def _strip(body: list[ast.stmt]) -> None:
    """Replace each function body, at any depth outside functions, by what is visible."""
    for node in body:
        if isinstance(node, FunctionNode):
            node.body = _visible(node.body)
        else:
            for inner in _nested_bodies(node):
                _strip(inner)


def interface_digest(source: str) -> str | None:
    """The digest of what other modules' type checking sees of *source*; ``None`` when it
    does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    _strip(tree.body)
    dump = ast.dump(tree, annotate_fields=False)
    return hashlib.sha1(dump.encode("utf-8"), usedforsecurity=False).hexdigest()


def _is_python(path: str) -> bool:
    return path.endswith((".py", ".pyi"))


def interfaces_unchanged(changes: Mapping[str, tuple[str | None, str | None]]) -> bool:
    """True when no change in ``{path: (text at the base, text now)}`` (``None``: absent)
    can change how an unchanged module type-checks: every changed Python module exists on
    both sides with the same interface, and no mypy configuration file changed."""
    for path, (before, after) in changes.items():
        if _is_python(path):
            if before is None or after is None:
                return False
            old = interface_digest(before)
            if old is None or old != interface_digest(after):
                return False
        elif path.endswith(_CONFIG_SUFFIXES):
            return False
    return True
