"""Per-test digests from a test file's syntax tree.

A test's *body digest* ignores its decorators (marks and ``parametrize`` tables), so adding
a case to a table does not turn the existing cases into "changed" tests. The *full digest*
includes them and proves a whole function at once (adoption, a red collection error).
Formatting and comments never change a digest.
"""

from __future__ import annotations

import ast
import hashlib
from typing import NamedTuple

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class TestDigest(NamedTuple):
    qualname: str
    body: str
    full: str


# named Test*, but not a test class for pytest to collect
TestDigest.__test__ = False  # type: ignore[attr-defined]


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def function_digests(source: str) -> dict[str, TestDigest]:
    """``{"TestCart.test_total": TestDigest, ...}`` for every function and method in *source*.

    Returns an empty mapping when the file does not parse.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    found: dict[str, TestDigest] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, FunctionNode):
                full = ast.dump(node, annotate_fields=False)
                decorators = node.decorator_list
                node.decorator_list = []
                body_dump = ast.dump(node, annotate_fields=False)
                node.decorator_list = decorators
                found[prefix + node.name] = TestDigest(
                    prefix + node.name, _hash(body_dump), _hash(full)
                )

    visit(tree.body, "")
    return found


def frame_digest(source: str) -> str | None:
    """The digest of a test module without its test functions (and the test classes left
    empty): equal for two versions when only test functions were added, removed or changed
    (helpers, fixtures and module-level code all count). ``None`` when *source* does not
    parse. Which test functions changed is :func:`function_digests`' full digest."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None

    def keep(body: list[ast.stmt]) -> list[ast.stmt]:
        kept: list[ast.stmt] = []
        for node in body:
            if isinstance(node, FunctionNode) and node.name.startswith("test"):
                continue
            if isinstance(node, ast.ClassDef):
                node.body = keep(node.body)
                if not node.body:
                    continue
            kept.append(node)
        return kept

    tree.body = keep(tree.body)
    return _hash(ast.dump(tree, annotate_fields=False))


def module_level_digest(source: str) -> str | None:
    """The digest of what a source module runs when it is imported: module-level and
    class-level statements, and the decorators and default values of its functions —
    everything but function bodies and parameter names. Equal for two versions when only
    function bodies changed or functions were added or removed: then a test that ran no
    changed function cannot see the change. ``None`` when *source* does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None

    def executed(body: list[ast.stmt]) -> list[str]:
        kept: list[str] = []
        for node in body:
            if isinstance(node, FunctionNode):
                defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
                if node.decorator_list or defaults:
                    parts = [*node.decorator_list, *defaults]
                    kept.append(node.name + ":" + "|".join(ast.dump(p) for p in parts))
            elif isinstance(node, ast.ClassDef):
                header = [*node.decorator_list, *node.bases, *node.keywords]
                kept.append(f"class {node.name}:" + "|".join(ast.dump(p) for p in header))
                kept += executed(node.body)
            else:
                kept.append(ast.dump(node, annotate_fields=False))
        return kept

    return _hash("\n".join(executed(tree.body)))


def function_bodies(source: str) -> dict[str, str] | None:
    """The digest of each function and method of a source module, by qualified name
    (``parse``, ``Box.grow``), nested functions part of the one they are written in.
    ``None`` when *source* does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    found: dict[str, str] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, FunctionNode):
                name = prefix + node.name
                # a name defined twice (a property's setter) digests both definitions
                found[name] = _hash(found.get(name, "") + ast.dump(node, annotate_fields=False))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return found


def file_digest_fallback(source: str) -> TestDigest:
    """The digest of a test that cannot be found in its file's tree (e.g. a doctest)."""
    digest = _hash(source)
    return TestDigest("", digest, digest)


def split_nodeid(nodeid: str) -> tuple[str, str, str]:
    """``tests/t.py::C::test_x[1]`` -> ``("tests/t.py", "C.test_x", "[1]")``."""
    path, _, rest = nodeid.partition("::")
    params = ""
    if rest.endswith("]") and "[" in rest:
        cut = rest.index("[")
        rest, params = rest[:cut], rest[cut:]
    return path, rest.replace("::", "."), params


def split_test_nodeid(nodeid: str) -> tuple[str, str, str]:
    """``tests/t.py::C::test_x[1]`` -> ``("tests/t.py", "C.test_x", "tests/t.py::C::test_x")``:
    :func:`split_nodeid` and :func:`func_key` in one step, for the per-test path."""
    path, _, rest = nodeid.partition("::")
    if rest.endswith("]") and "[" in rest:
        rest = rest[: rest.index("[")]
    elif "." not in rest:
        return path, rest.replace("::", "."), nodeid  # most tests: the key is the node id
    qualname = rest.replace("::", ".")
    return path, qualname, function_nodeid(path, qualname)


def func_key(nodeid: str) -> str:
    """The node id of the test function, without parametrize ids."""
    path, qualname, _ = split_nodeid(nodeid)
    return function_nodeid(path, qualname)


def function_nodeid(path: str, qualname: str) -> str:
    """``("tests/t.py", "C.test_x")`` -> ``tests/t.py::C::test_x``."""
    return f"{path}::{qualname.replace('.', '::')}" if qualname else path
