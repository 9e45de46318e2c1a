"""What a validation looks at: the selected files, the project's modules and interpreter."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from pytest_piv import vcs
from pytest_piv.errors import UsageError
from pytest_piv.paths import FileRoles, matches_any
from pytest_piv.validate.imports import (
    Import,
    ImportGraph,
    ModuleImports,
    imports_of,
    link,
    module_name,
)
from pytest_piv.validate.settings import ValidateSettings

PYTHON_SUFFIXES = (".py", ".pyi")


def is_python(path: str) -> bool:
    return path.endswith(PYTHON_SUFFIXES)


def project_python(root: Path, settings: ValidateSettings) -> str:
    """The project's own interpreter, whose installed packages mypy and pytest must see.

    ``[tool.piv.validate] python``, else ``.venv`` or ``venv`` in the project, else the
    interpreter piv runs in. (A pre-commit hook runs piv in its own environment; this is how
    the hook still type-checks and tests against the project's dependencies.)
    """
    if settings.python is not None:
        configured = Path(settings.python)
        configured = configured if configured.is_absolute() else root / configured
        if not configured.is_file():
            raise UsageError(
                f"[tool.piv.validate] python = {settings.python!r}: no such interpreter"
                " (expected the path of the project's python, e.g. .venv/bin/python)"
            )
        return str(configured)
    for venv in (".venv", "venv"):
        for candidate in (root / venv / "bin" / "python", root / venv / "Scripts" / "python.exe"):
            if candidate.is_file():
                return str(candidate)
    return sys.executable


def tool_command(name: str, python: str) -> tuple[str, bool]:
    """``(argv[0], beside)``: the tool installed beside the project's interpreter when it
    is there (``beside`` True), else its bare name for :func:`~pytest_piv.tools.run_tool`."""
    candidate = Path(python).parent / name
    if candidate.is_file():
        return str(candidate), True
    return name, False


class Target(NamedTuple):
    """The files a validation looks at and how it was asked."""

    root: Path
    files: tuple[str, ...]
    deleted: tuple[str, ...]
    all_files: bool
    settings: ValidateSettings
    roles: FileRoles
    python: str
    in_git: bool
    #: what existing findings are judged against: HEAD, or the base of a push
    base: str = "HEAD"
    #: the store, where each test's recorded reach is (None: not known)
    db: Path | None = None

    @property
    def python_files(self) -> tuple[str, ...]:
        return tuple(f for f in self.files if is_python(f))

    @property
    def cache_dir(self) -> Path:
        return self.root / ".piv" / "validate"


def select_files(
    root: Path, files: tuple[str, ...], all_files: bool, staged: bool = False, base: str = "HEAD"
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(files, deleted)``: the given files, every project file, or what changed."""
    if files:
        chosen = []
        for name in files:
            path = Path(name)
            absolute = path if path.is_absolute() else Path.cwd() / path
            try:
                rel = absolute.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                raise UsageError(f"{name}: not inside the project {root}") from None
            if absolute.is_file():
                chosen.append(rel)
        return tuple(dict.fromkeys(chosen)), ()
    if not vcs.in_git(root):
        if not all_files:
            raise UsageError(
                f"{root} is not a git repository: --changed needs git (hint: --all-files or FILES)"
            )
        found = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
        return tuple(found), ()
    if all_files:
        return tuple(vcs.project_files(root)), ()
    changed, deleted = vcs.staged_files(root) if staged else vcs.changed_files(root, base)
    return tuple(f for f in changed if (root / f).is_file()), tuple(deleted)


class Project:
    """The project's Python modules and import graph, read once and shared by the steps."""

    def __init__(self, target: Target) -> None:
        self.target = target

    @cached_property
    def python_paths(self) -> tuple[str, ...]:
        root = self.target.root
        if self.target.in_git:
            paths = vcs.project_files(root)
        else:
            paths = [p.relative_to(root).as_posix() for p in root.rglob("*.py")]
        exclude = self.target.roles.exclude
        return tuple(p for p in paths if p.endswith(".py") and not matches_any(p, exclude))

    def _read(self) -> dict[str, str]:
        root = self.target.root
        sources = {}
        for path in self.python_paths:
            try:
                sources[path] = (root / path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        return sources

    @cached_property
    def sources(self) -> Mapping[str, str]:
        return self._read()

    def has_init(self, directory: str) -> bool:
        return f"{directory}/__init__.py" in self.sources if directory else False

    @cached_property
    def modules(self) -> Mapping[str, ModuleImports]:
        """Every module's imports; a file whose content was parsed before comes from the
        cache beside the store (``.piv/validate/imports-2.json``, keyed by content digest)."""
        cache_file = self.target.cache_dir / "imports-2.json"
        try:
            cached = json.loads(cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = {}
        if not isinstance(cached, dict):
            cached = {}
        used: dict[str, list[list[object]]] = {}
        modules: dict[str, ModuleImports] = {}
        for path, source in self.sources.items():
            module = module_name(path, self.has_init)
            if module in modules:
                continue
            is_package = path.endswith("__init__.py")
            key = hashlib.sha1(
                f"{module}\0{is_package}\0{source}".encode("utf-8", "surrogateescape"),
                usedforsecurity=False,
            ).hexdigest()
            try:
                imports = tuple(Import(str(n), int(ln), bool(t)) for n, ln, t in cached[key])
            except (KeyError, TypeError, ValueError):  # not cached, or not what we wrote
                imports = tuple(imports_of(source, module, is_package))
            used[key] = [list(i) for i in imports]
            modules[module] = ModuleImports(path, imports)
        if used.keys() != cached.keys():
            with contextlib.suppress(OSError):
                cache_file.parent.mkdir(parents=True, exist_ok=True)
                cache_file.write_text(json.dumps(used), encoding="utf-8")
        return modules

    @cached_property
    def graph(self) -> ImportGraph:
        """(Built by the runner before the steps start, so threads only read it.)"""
        return link(self.modules)

    def module_of(self, path: str) -> str:
        return module_name(path, self.has_init)
