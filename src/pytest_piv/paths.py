"""Path globs with ``**`` and the split of a project's files into tests and source."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

#: limits that keep a glob's regex from backtracking for minutes on a deep path
MAX_GLOB_LENGTH = 500
MAX_GLOB_STARS = 12
MAX_GLOB_DOUBLE_STARS = 4


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a path glob to a regex over ``/``-separated relative paths.

    (:func:`glob_pattern` gives the regex's text: compiling costs more than translating,
    so combined regexes are built from the texts.)
    """
    return re.compile(glob_pattern(pattern))


@lru_cache(maxsize=256)
def glob_pattern(pattern: str) -> str:
    """The text of :func:`glob_regex`.

    ``**`` matches any number of directories (including none), ``*`` and ``?`` stay
    inside one path segment, ``[...]`` is a character class. A pattern without ``/``
    matches the file name at any depth, as ``.gitignore`` does.
    """
    if "/" not in pattern:
        pattern = "**/" + pattern
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(pattern[i]))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out) + r"\Z"


def glob_problem(pattern: str) -> str | None:
    """Why *pattern* cannot be a path glob (``None`` when it can): a bad ``[...]`` class,
    a control character, or more length or wildcards than :data:`MAX_GLOB_LENGTH` and
    :data:`MAX_GLOB_STARS` allow."""
    if any(not ch.isprintable() for ch in pattern):
        return "a control character is not allowed in a glob"
    if len(pattern) > MAX_GLOB_LENGTH:
        return f"a glob has at most {MAX_GLOB_LENGTH} characters"
    if pattern.count("*") > MAX_GLOB_STARS or pattern.count("**") > MAX_GLOB_DOUBLE_STARS:
        return f"a glob has at most {MAX_GLOB_STARS} '*' and {MAX_GLOB_DOUBLE_STARS} '**' wildcards"
    try:
        glob_regex(pattern)
    except re.error as exc:
        return f"{pattern!r} is not a valid glob: {exc.msg}"
    return None


def inside(root: Path, path: str | Path) -> Path | None:
    """*path* (relative to *root*, or absolute) resolved, symlinks followed, when it stays
    inside *root*; ``None`` when it leads out of it."""
    base = root.resolve()
    target = (root / path).resolve()
    return target if target.is_relative_to(base) else None


@lru_cache(maxsize=64)
def _any_regex(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{glob_pattern(p)})" for p in patterns))


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    """True when the relative ``/``-separated *path* matches one of *patterns*."""
    combined = _any_regex(tuple(patterns))
    return combined is not None and combined.match(path) is not None


class FileRoles(NamedTuple):
    """Which project files are tests and which are the code under test."""

    tests: tuple[str, ...]
    source: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def role(self, path: str) -> str | None:
        """``"test"``, ``"source"`` or ``None`` for a relative path."""
        return self.roles_of((path,)).get(path)

    def roles_of(self, paths: Iterable[str]) -> dict[str, str]:
        """:meth:`role` of many paths, in one loop: each path that has a role, with it."""
        match = _roles_regex(self.exclude, self.tests, self.source).match
        of_group = _ROLE_OF_GROUP
        found: dict[str, str] = {}
        for path in paths:
            if path.endswith(".py") and (hit := match(path)) is not None:
                role = of_group[hit.lastgroup or "excluded"]
                if role is not None:
                    found[path] = role
        return found


_ROLE_OF_GROUP: dict[str, str | None] = {"excluded": None, "test": "test", "source": "source"}


@lru_cache(maxsize=16)
def _roles_regex(
    exclude: tuple[str, ...], tests: tuple[str, ...], source: tuple[str, ...]
) -> re.Pattern[str]:
    """One regex for all three lists: the first alternative that matches wins, so an
    excluded path is never a test and a test is never source (one match per path)."""
    groups = []
    for name, patterns in (("excluded", exclude), ("test", tests), ("source", source)):
        if patterns:
            body = "|".join(f"(?:{glob_pattern(p)})" for p in patterns)
            groups.append(f"(?P<{name}>{body})")
    return re.compile("|".join(groups) or r"(?!)")


def module_name(path: str) -> str:
    """The dotted module name of a source path (``src/shop/cart.py`` -> ``shop.cart``)."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[0] in {"src", "lib"} and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)
