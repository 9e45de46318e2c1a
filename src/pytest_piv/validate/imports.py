"""The import graph of a project's own modules, computed with :mod:`ast`.

Files are named as modules the way mypy and Python do: a file's package is the chain of
directories above it holding an ``__init__.py``; the first directory without one is its
import root (``src/shop/cart.py`` is ``shop.cart`` when ``src/`` has no ``__init__.py``).
Only imports of the project's own modules are edges; third-party imports are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple


class Import(NamedTuple):
    """One imported name as written: ``import a.b`` is ``("a.b", 1)``; ``typing_only`` when
    it sits under ``if TYPE_CHECKING:`` (mypy follows it, Python never runs it)."""

    name: str
    line: int
    typing_only: bool = False


def module_name(path: str, has_init: Callable[[str], bool]) -> str:
    """The dotted module of the ``/``-separated ``path``; ``has_init(dir)`` says if ``dir``
    (``""`` for the root) holds an ``__init__.py``."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
        directories = len(parts)
    else:
        directories = len(parts) - 1
    start = directories
    while start > 0 and has_init("/".join(path.split("/")[:start])):
        start -= 1
    return ".".join(parts[start:]) or path


def imports_of(source: str, module: str, is_package: bool) -> list[Import]:
    """The modules ``source`` imports, relative imports resolved against ``module``.

    ``from a import b`` yields ``a.b`` (``b`` may be a submodule or a name in ``a``;
    :func:`project_edges` takes the deepest existing module). A file that does not parse
    has no imports (ruff and mypy report the syntax error).
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []
    work: list[tuple[ast.AST, bool]] = [(tree, False)]
    while work:
        node, typing_only = work.pop()
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, node.lineno, typing_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, package)
            if base is None:
                continue
            prefix = f"{base}." if base else ""
            for alias in node.names:
                name = base if alias.name == "*" else prefix + alias.name
                found.append(Import(name, node.lineno, typing_only))
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            work += [(child, True) for child in node.body]
            work += [(child, typing_only) for child in node.orelse]
        else:
            work += [(child, typing_only) for child in _inner_statements(node)]
    return sorted(found, key=lambda i: i.line)


def _inner_statements(node: ast.AST) -> list[ast.stmt]:
    """The statements directly inside ``node`` (a module, def, class, ``if``, ``try``,
    ``with``, ``match``...). An import is a statement, so expressions are never walked:
    a tenth of the nodes of a typical module."""
    found: list[ast.stmt] = []
    for field in ("body", "orelse", "finalbody"):
        value = getattr(node, field, None)
        if isinstance(value, list):
            found += [n for n in value if isinstance(n, ast.stmt)]
    for handler in getattr(node, "handlers", ()):
        found += handler.body
    for case in getattr(node, "cases", ()):
        found += case.body
    return found


def _is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING`` or ``<module>.TYPE_CHECKING`` (``typing.TYPE_CHECKING``)."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _resolve(name: str | None, level: int, package: str) -> str | None:
    if level == 0:
        return name or ""
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if name:
        base.append(name)
    return ".".join(base)


class ImportGraph(NamedTuple):
    """Edges between the project's modules, and where each import is written."""

    #: module -> path of its file
    files: Mapping[str, str]
    #: module -> {imported project module: first line importing it}
    edges: Mapping[str, Mapping[str, int]]
    #: the same, without the imports made only for type checking: what Python runs
    runtime_edges: Mapping[str, Mapping[str, int]]

    def importers(self) -> dict[str, set[str]]:
        reverse: dict[str, set[str]] = {m: set() for m in self.files}
        for module, targets in self.edges.items():
            for target in targets:
                reverse.setdefault(target, set()).add(module)
        return reverse

    def reverse_closure(self, modules: Iterable[str], depth: int | None = None) -> set[str]:
        """The modules that import any of ``modules``, up to ``depth`` steps (None: all)."""
        reverse = self.importers()
        seen: set[str] = set()
        frontier = set(modules)
        step = 0
        while frontier and (depth is None or step < depth):
            step += 1
            frontier = {i for m in frontier for i in reverse.get(m, ())} - seen - set(modules)
            seen |= frontier
        return seen

    def cycles(self) -> list[tuple[str, ...]]:
        """Every import cycle Python runs (imports under ``if TYPE_CHECKING:`` close none),
        as the sorted modules of one strongly connected component."""
        runtime = self.runtime_edges
        return [tuple(sorted(c)) for c in _components(runtime) if _is_cycle(c, runtime)]


def project_edges(imports: Iterable[Import], modules: Mapping[str, str]) -> dict[str, int]:
    """The project modules among ``imports``: the deepest existing module of each name."""
    edges: dict[str, int] = {}
    for name, line, _ in imports:
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            candidate = ".".join(parts[:cut])
            if candidate in modules:
                edges.setdefault(candidate, line)
                break
    return edges


class ModuleImports(NamedTuple):
    """One module's file and what it imports."""

    path: str
    imports: tuple[Import, ...]


def parse_modules(
    sources: Mapping[str, str], has_init: Callable[[str], bool]
) -> dict[str, ModuleImports]:
    """``{module: (path, imports)}`` of ``{path: source}``."""
    modules: dict[str, ModuleImports] = {}
    for path, source in sources.items():
        module = module_name(path, has_init)
        if module not in modules:
            found = imports_of(source, module, path.endswith("__init__.py"))
            modules[module] = ModuleImports(path, tuple(found))
    return modules


def link(modules: Mapping[str, ModuleImports]) -> ImportGraph:
    """The graph of parsed modules: each import resolved to a project module, if any."""
    files = {module: entry.path for module, entry in modules.items()}
    edges: dict[str, dict[str, int]] = {}
    runtime: dict[str, dict[str, int]] = {}
    for module, entry in modules.items():
        targets = project_edges(entry.imports, files)
        targets.pop(module, None)
        edges[module] = targets
        ran = project_edges((i for i in entry.imports if not i.typing_only), files)
        ran.pop(module, None)
        runtime[module] = ran
    return ImportGraph(files, edges, runtime)


def build_graph(sources: Mapping[str, str], has_init: Callable[[str], bool]) -> ImportGraph:
    """The graph of ``{path: source}`` (every Python file of the project)."""
    return link(parse_modules(sources, has_init))


def _is_cycle(component: set[str], edges: Mapping[str, Mapping[str, int]]) -> bool:
    if len(component) > 1:
        return True
    (only,) = component
    return only in edges.get(only, {})


def _components(edges: Mapping[str, Mapping[str, int]]) -> list[set[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[set[str]] = []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(edges.get(start, {})))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, {}))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                result.append(component)
    return result
