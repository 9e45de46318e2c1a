"""Which runs replay a range of commits, and the cache key of each (pure).

Every commit whose tests or source changed is one ``pytest --piv`` run (of just the
changed test modules when a commit changed nothing else: no source, no conftest, no
helper module, no deletion). A commit that
changes tests *and* source first gets a **revert check**: its tests run against its
parent's source, where a new test must fail for an accepted reason; only then is the
commit itself run, where it must pass. A commit that touches neither is not run: the
ledger would call it UNCHANGED.

Each run's key chains the keys before it with the content of the files that matter, so
a rebase that keeps the commits' content, or a re-run after amending the last commit,
finds every earlier run in the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import NamedTuple


class Change(NamedTuple):
    """One file a commit changed: git's status letter (``A``, ``M``, ``D``, ``T``) and path."""

    status: str
    path: str


class Commit(NamedTuple):
    """A commit of the range, with the files it changed against the commit before it."""

    sha: str
    subject: str
    parent: str
    changes: tuple[Change, ...]
    merge: bool = False


class StepKind(StrEnum):
    BASE = "base"  # the range's base: adopted as the starting point
    REVERT_CHECK = "revert-check"  # the commit's tests against its parent's source
    COMMIT = "commit"  # the commit as it is
    SKIPPED = "skipped"  # no test or source change: nothing to run


class Step(NamedTuple):
    """One run of the replay (or a commit with nothing to run)."""

    kind: StepKind
    sha: str
    key: str
    #: for a revert check: the source files to take from the parent (path -> present there)
    restore: tuple[Change, ...] = ()
    #: the test modules to run, when only they changed (empty: the whole suite)
    only: tuple[str, ...] = ()


def _is_test_module(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (name.startswith("test_") or name.endswith("_test.py")) and name.endswith(".py")


def _only_these(tests: Sequence[Change]) -> tuple[str, ...]:
    """The test modules a test-only commit changed, when running just them is exact: no
    module was deleted and none is a conftest or a helper other tests import."""
    if any(c.status == "D" or not _is_test_module(c.path) for c in tests):
        return ()
    return tuple(sorted(c.path for c in tests))


def content_key(entries: Iterable[tuple[str, str]]) -> str:
    """A digest of (path, blob id) pairs: the content of the files that matter."""
    h = hashlib.sha256()
    for path, blob in sorted(entries):
        h.update(f"{path}\0{blob}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def chain_key(previous: str, kind: StepKind, content: str) -> str:
    return hashlib.sha256(f"{previous}\n{kind}\n{content}".encode()).hexdigest()


def plan_steps(
    base: str,
    commits: Sequence[Commit],
    roles: Mapping[str, str],
    contents: Mapping[str, Mapping[str, str]],
    salt: str,
) -> list[Step]:
    """The replay of *commits* after *base*.

    *roles* maps every path the range touches to ``"test"`` or ``"source"`` (others are
    absent); *contents* maps each commit (and *base*) to the blob id of every file that
    matters in it; *salt* keys what else decides a verdict (policy, piv's version, ...).
    """
    key = chain_key(salt, StepKind.BASE, content_key(contents[base].items()))
    steps = [Step(StepKind.BASE, base, key)]
    for commit in commits:
        tests = [c for c in commit.changes if roles.get(c.path) == "test"]
        source = [c for c in commit.changes if roles.get(c.path) == "source"]
        if not tests and not source:
            steps.append(Step(StepKind.SKIPPED, commit.sha, key))
            continue
        mine = contents[commit.sha]
        if tests and source:
            theirs = contents[commit.parent]
            probe = {p: b for p, b in mine.items() if roles.get(p) != "source"}
            probe.update({p: b for p, b in theirs.items() if roles.get(p) == "source"})
            key = chain_key(key, StepKind.REVERT_CHECK, content_key(probe.items()))
            steps.append(Step(StepKind.REVERT_CHECK, commit.sha, key, tuple(source)))
        key = chain_key(key, StepKind.COMMIT, content_key(mine.items()))
        only = _only_these(tests) if not source else ()
        steps.append(Step(StepKind.COMMIT, commit.sha, key, only=only))
    return steps
