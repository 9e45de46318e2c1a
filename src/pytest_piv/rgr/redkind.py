"""Classify a failure into a red kind: the pure rules, fed by the pytest shell."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from pytest_piv.paths import FileRoles
from pytest_piv.rgr.model import DOES_NOT_EXIST_YET, Red, RedKind

_SIGNATURE = re.compile(
    r"^(?P<callee>[\w.<>]+)\(\) (?:takes|got an unexpected|got multiple|missing \d+ required)"
)
_CANNOT_IMPORT = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<module>[^']+)'")


class Frame(NamedTuple):
    """One traceback entry; ``path`` is relative to the project root, or None outside it."""

    path: str | None
    line: int


class Raised(NamedTuple):
    """The facts of an exception that the shell extracted for the classifier."""

    type_names: tuple[str, ...]
    message: str
    frames: tuple[Frame, ...] = ()
    during: str = "call"
    missing_module: str | None = None
    missing_name: str | None = None
    owner_is_source: bool = False
    module_findable: bool = True

    @property
    def type_name(self) -> str:
        return self.type_names[0] if self.type_names else "Exception"

    def is_a(self, *names: str) -> bool:
        return any(n in self.type_names for n in names)


class Project(NamedTuple):
    """What the classifier needs to know about the project."""

    roles: FileRoles
    is_first_party: Callable[[str], bool] = lambda _name: False
    is_source_symbol: Callable[[str], bool] = lambda _name: False

    def role(self, path: str | None) -> str | None:
        return None if path is None else self.roles.role(path)


def classify(raised: Raised, project: Project) -> Red:
    """The red kind of *raised*, with the place it came from and a one-line message."""
    kind, frame = _kind_and_frame(raised, project)
    if raised.during == "collection" and kind not in DOES_NOT_EXIST_YET | {RedKind.SYNTAX}:
        kind = RedKind.COLLECTION
    first_line = raised.message.strip().splitlines()[0] if raised.message.strip() else ""
    message = f"{raised.type_name}: {first_line}" if first_line else raised.type_name
    return Red(
        kind=kind,
        path=frame.path if frame else None,
        line=frame.line if frame else None,
        message=message[:300],
        during=raised.during,
    )


def _innermost(raised: Raised, project: Project, *roles: str) -> Frame | None:
    for frame in reversed(raised.frames):
        if project.role(frame.path) in roles:
            return frame
    return None


def _kind_and_frame(raised: Raised, project: Project) -> tuple[RedKind, Frame | None]:
    in_project = _innermost(raised, project, "test", "source")
    in_source = _innermost(raised, project, "source")
    innermost_role = project.role(in_project.path) if in_project else None
    last = raised.frames[-1] if raised.frames else None

    if raised.during in ("setup", "teardown"):
        return RedKind.FIXTURE, in_project or last
    if raised.is_a("SyntaxError", "IndentationError"):
        if innermost_role == "source":
            return RedKind.COLLECTION, in_project
        return RedKind.SYNTAX, in_project or last
    if raised.is_a("AssertionError", "Failed"):
        return RedKind.ASSERTION, _innermost(raised, project, "test") or in_project or last
    if raised.is_a("NotImplementedError"):
        return RedKind.NOT_IMPLEMENTED, in_source or in_project or last
    if raised.is_a("ImportError"):
        return _import_kind(raised, project), in_project or last
    if raised.is_a("AttributeError") and raised.owner_is_source:
        return RedKind.MISSING_SYMBOL, in_project or last
    if raised.is_a("TypeError") and innermost_role == "test":
        match = _SIGNATURE.match(raised.message)
        if match and project.is_source_symbol(match.group("callee")):
            return RedKind.CALL_SIGNATURE, in_project
    if innermost_role == "source":
        return RedKind.CODE_UNDER_TEST, in_source
    return RedKind.TEST_CODE, in_project or last


def _import_kind(raised: Raised, project: Project) -> RedKind:
    cannot_import = _CANNOT_IMPORT.search(raised.message)
    module = cannot_import.group("module") if cannot_import else raised.missing_module
    if module is None:
        return RedKind.TEST_CODE
    top = module.split(".")[0]
    first_party = project.is_first_party(top)
    if cannot_import:
        return RedKind.MISSING_SYMBOL if first_party else RedKind.TEST_CODE
    if first_party or not raised.module_findable:
        return RedKind.IMPORT_ERROR
    return RedKind.TEST_CODE
