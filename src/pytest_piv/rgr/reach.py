"""Which tests a change can affect, from each test's recorded reach (pure).

A test's **reach** is the set of the project's source files it ran (a function of the
file was called while the test ran), recorded by ``pytest --piv`` with
``rgr.reach = "record"`` or read from coverage.py's per-test contexts. A reach recorded
at an older tree is still a good predictor: a test's reach changes only when the test or
the code it runs changes, and then it is run (and recorded) again.

The rules, safest first; ``None`` means "run every test":

- no reach is recorded at all: every test;
- a changed file that is neither a test module nor a source file (``conftest.py``, a test
  helper, ``pyproject.toml``...): every test, since no reach says who depends on it;
- a changed source file that no recorded test reaches (a new module, one only imported):
  every test, since only a full run can say who runs it;
- a changed source file whose module-level code changed (data, imports, class attributes,
  decorators, default values: :func:`~pytest_piv.rgr.digests.module_level_digest`):
  every test, since a test that only reads a module's data calls nothing in it, so no
  reach records it;
- otherwise: the tests of the changed test modules (only the new and edited ones when
  nothing but test bodies changed in a module), every test whose reach is unknown or
  was recorded while it failed (a failing test may be fixed by a file it never reached),
  and every test that called a function of a changed source file whose definition changed
  (or, for a reach recorded by file only, that ran the file at all). The others run
  nothing that changed: their outcome is inferred unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from pytest_piv.rgr.digests import function_bodies, module_level_digest
from pytest_piv.rgr.model import EMPTY


class Reach(NamedTuple):
    """One test's recorded reach: the source files it ran, whether it passed then, and the
    functions it called (``path::qualname``; ``None`` when recorded by file only)."""

    files: frozenset[str]
    passed: bool
    functions: frozenset[str] | None = None

    def reaches(self, path: str, changed: frozenset[str] | None) -> bool:
        """Whether the test ran *path*, or one of its *changed* functions when known."""
        if path not in self.files:
            return False
        if changed is None or self.functions is None:
            return True
        return any(f"{path}::{name}" in self.functions for name in changed)


class Selection(NamedTuple):
    """The tests to run (``None``: all of them) and why, in a few words."""

    tests: frozenset[str] | None
    reason: str

    @property
    def everything(self) -> bool:
        return self.tests is None


def file_of(nodeid: str) -> str:
    """The file part of a node id: ``tests/test_a.py::test_x[1]`` -> ``tests/test_a.py``."""
    return nodeid.split("::", 1)[0]


def is_test_module(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def select_tests(
    collected: Iterable[str],
    changed: Mapping[str, str | None],
    reach: Mapping[str, Reach],
    edited: Mapping[str, frozenset[str]] = EMPTY,
    module_level: frozenset[str] = frozenset(),
    functions: Mapping[str, frozenset[str]] = EMPTY,
) -> Selection:
    """The tests of *collected* that the change can affect.

    *changed* maps each changed (added, modified or deleted) path to its role, ``"test"``
    or ``"source"``, or ``None`` for a file that decides how tests run (configuration);
    *reach* maps node ids to their recorded reach; *edited* maps a changed test module
    whose change is only in test bodies to the node ids whose body changed (or that are
    new): only those of its tests are selected by the change (a module absent: all);
    *module_level* names the changed source files whose module-level code changed;
    *functions* maps a changed source file to its functions that changed (a file absent:
    any test that ran the file is selected).
    """
    if not reach:
        return Selection(None, "no recorded reach")
    tests: set[str] = set()
    sources: set[str] = set()
    for path, role in sorted(changed.items()):
        if role == "source":
            sources.add(path)
        elif role == "test" and is_test_module(path):
            tests.add(path)
        else:
            return Selection(None, f"{path} changed: no reach says which tests depend on it")
    for path in sorted(sources & module_level):
        return Selection(None, f"{path}: module-level code changed, which no reach records")
    reached = set().union(*(r.files for r in reach.values()))
    for path in sorted(sources):
        if path not in reached:
            return Selection(None, f"{path} is reached by no recorded test")
    chosen = frozenset(
        nodeid
        for nodeid in collected
        if ((path := file_of(nodeid)) in tests and (path not in edited or nodeid in edited[path]))
        or (known := reach.get(nodeid)) is None
        or not known.passed
        or any(known.reaches(path, functions.get(path)) for path in sources)
    )
    return Selection(chosen, f"{len(chosen)} test(s) reach the change")


def function_of(qualname: str) -> str:
    """The function a code object is written in: ``Box.grow.<locals>.<listcomp>`` ->
    ``Box.grow`` (what :func:`changed_functions` names)."""
    return qualname.split(".<locals>", 1)[0]


def changed_functions(
    versions: Mapping[str, tuple[str | None, str | None]],
) -> dict[str, frozenset[str]]:
    """For each source file of *versions* whose two texts both parse, the functions and
    methods whose definition changed, or that were added or removed. Only meaningful where
    the module-level code is unchanged (:func:`module_level_changes`)."""
    found: dict[str, frozenset[str]] = {}
    for path, (old, new) in versions.items():
        before = None if old is None else function_bodies(old)
        after = None if new is None else function_bodies(new)
        if before is None or after is None:
            continue
        names = before.keys() | after.keys()
        found[path] = frozenset(n for n in names if before.get(n) != after.get(n))
    return found


def module_level_changes(versions: Mapping[str, tuple[str | None, str | None]]) -> frozenset[str]:
    """The source files of *versions* (path -> old text, new text; ``None``: absent or
    unreadable) whose module-level code changed. A file added, deleted or that does not
    parse counts as changed: its module-level code is what a test may read."""
    changed = set()
    for path, (old, new) in versions.items():
        before = None if old is None else module_level_digest(old)
        after = None if new is None else module_level_digest(new)
        if before is None or after is None or before != after:
            changed.add(path)
    return frozenset(changed)


def select_files(
    test_files: Iterable[str],
    changed: Mapping[str, str | None],
    reach: Mapping[str, Reach],
    module_level: frozenset[str] = frozenset(),
    functions: Mapping[str, frozenset[str]] = EMPTY,
) -> list[str] | None:
    """The test files to run for a change (``None``: all): a test file is run when one of
    its tests is selected, or when none of its tests has a recorded reach."""
    files = sorted(set(test_files))
    by_file: dict[str, list[str]] = {}
    for nodeid in reach:
        by_file.setdefault(file_of(nodeid), []).append(nodeid)
    known = [n for f in files for n in by_file.get(f, ())]
    selection = select_tests(known, changed, reach, module_level=module_level, functions=functions)
    if selection.tests is None:
        return None
    chosen = {file_of(n) for n in selection.tests}
    return [f for f in files if f in chosen or f not in by_file or f in changed]


def should_record(
    nodeid: str,
    changed_tests: frozenset[str],
    reach: Mapping[str, Reach],
    edited: Mapping[str, frozenset[str]] = EMPTY,
) -> bool:
    """Whether a run records *nodeid*'s reach: it is unknown, was recorded while the test
    failed, or the test changed since (its module, or just its function: *edited*)."""
    known = reach.get(nodeid)
    if known is None or not known.passed:
        return True
    path = file_of(nodeid)
    if path not in changed_tests:
        return False
    return path not in edited or nodeid in edited[path]
