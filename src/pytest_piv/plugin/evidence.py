"""Turning pytest's exception info into the facts the red-kind classifier needs."""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from functools import lru_cache
from pathlib import Path

import pytest

from pytest_piv.paths import FileRoles
from pytest_piv.rgr.model import Red
from pytest_piv.rgr.redkind import Frame, Project, Raised, classify


def relative(path: object, root: Path) -> str | None:
    """*path* relative to the project *root* (resolved), or None outside it.

    A path as the interpreter names it comes first: a module imported through a
    symlinked package lives, for the project, where the link is, not where it points.
    """
    text = os.path.abspath(str(path))  # noqa: PTH100 - resolve() would follow the links
    for base in (str(root), os.path.realpath(root)):
        if text.startswith(base + os.sep):
            return text[len(base) + 1 :].replace(os.sep, "/")
    try:
        return Path(text).resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return None


class ProjectFacts:
    """Answers about the project that need the interpreter state (sys.modules)."""

    def __init__(self, root: Path, roles: FileRoles) -> None:
        self.root = root.resolve()
        self.roles = roles
        self.project = Project(roles, self.is_first_party, self.is_source_symbol)

    def role_of_file(self, filename: object) -> str | None:
        rel = relative(filename, self.root) if filename else None
        return self.roles.role(rel) if rel else None

    @lru_cache(maxsize=1024)  # noqa: B019 - one instance per session
    def is_first_party(self, top: str) -> bool:
        """Whether the top-level package or module *top* is code under test: where the
        interpreter finds it (any layout: ``packages/*/src``, a submodule, a symlinked or
        namespace package) is a source file, or a directory the source globs reach."""
        for base in (self.root, self.root / "src", self.root / "lib"):
            for candidate in (base / top, base / f"{top}.py"):
                if candidate.exists():
                    rel = relative(candidate, self.root) or ""
                    probe = rel + "/__init__.py" if candidate.is_dir() else rel
                    if self.roles.role(probe) == "source" or candidate.is_dir():
                        return True
        return any(self._is_source_location(p) for p in _locations(top))

    def _is_source_location(self, location: str) -> bool:
        rel = relative(location, self.root)
        if rel is None:
            return False
        if rel.endswith(".py"):
            return self.roles.role(rel) == "source"
        return self.roles.role(rel + "/__init__.py") == "source"

    def _source_modules(self) -> list[types.ModuleType]:
        found = []
        for module in list(sys.modules.values()):
            filename = getattr(module, "__file__", None)
            if filename and self.role_of_file(filename) == "source":
                found.append(module)
        return found

    def is_source_symbol(self, dotted: str) -> bool:
        head = dotted.split(".")[0]
        return any(hasattr(m, head) for m in self._source_modules())

    def owner_is_source(self, obj: object) -> bool:
        if isinstance(obj, types.ModuleType):
            if getattr(obj, "__file__", None) is None:  # a namespace package
                return any(self._is_source_location(p) for p in getattr(obj, "__path__", ()))
            return self.role_of_file(getattr(obj, "__file__", None)) == "source"
        cls = obj if isinstance(obj, type) else type(obj)
        module = sys.modules.get(cls.__module__)
        return self.role_of_file(getattr(module, "__file__", None)) == "source"


def _locations(top: str) -> list[str]:
    """Where the interpreter has, or would, import the top-level module *top* from."""
    module = sys.modules.get(top)
    if module is not None:
        paths = [str(p) for p in getattr(module, "__path__", ())]
        origin = getattr(module, "__file__", None)
        return [*paths, str(origin)] if origin else paths
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    paths = [str(p) for p in spec.submodule_search_locations or ()]
    return [*paths, str(spec.origin)] if spec.has_location and spec.origin else paths


def _module_findable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def raised_facts(
    exc: BaseException, frames: list[Frame], during: str, facts: ProjectFacts
) -> Raised:
    missing_module = None
    missing_name = None
    owner_is_source = False
    findable = True
    if isinstance(exc, ImportError):
        missing_module = exc.name
        findable = _module_findable(exc.name) if exc.name else True
    elif isinstance(exc, AttributeError):
        missing_name = exc.name
        try:
            owner_is_source = facts.owner_is_source(exc.obj)
        except AttributeError:
            owner_is_source = False
    elif isinstance(exc, NameError):
        missing_name = exc.name
    if isinstance(exc, SyntaxError) and exc.filename:
        frames = [*frames, Frame(relative(exc.filename, facts.root), exc.lineno or 0)]
    return Raised(
        type_names=tuple(t.__name__ for t in type(exc).__mro__),
        message=str(exc),
        frames=tuple(frames),
        during=during,
        missing_module=missing_module,
        missing_name=missing_name,
        owner_is_source=owner_is_source,
        module_findable=findable,
    )


def classify_excinfo(
    excinfo: pytest.ExceptionInfo[BaseException], during: str, facts: ProjectFacts
) -> Red:
    exc = excinfo.value
    tb: types.TracebackType | None = excinfo.tb
    if during == "collection" and exc.__cause__ is not None:
        exc = exc.__cause__
        tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(Frame(relative(tb.tb_frame.f_code.co_filename, facts.root), tb.tb_lineno))
        tb = tb.tb_next
    return classify(raised_facts(exc, frames, during, facts), facts.project)


def red_to_dict(red: Red) -> dict[str, object]:
    return {
        "kind": red.kind.value,
        "path": red.path,
        "line": red.line,
        "message": red.message,
        "during": red.during,
    }
