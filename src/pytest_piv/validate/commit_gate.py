"""The commit hooks' rules: is the staged change backed by a run, and does the message fit.

Pure functions over plain data: the staged files' blob ids, the runs the ledger recorded
for that exact tree state, and the commit message. The shells (``piv hooks rgr``,
``piv hooks commit-msg``) gather the data and print the one-line answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from pytest_piv.paths import FileRoles
from pytest_piv.store.ledger import RunRow
from pytest_piv.vcs import TreeState

#: phases whose run does not back a commit
REJECTED_PHASES = frozenset({"VIOLATION", "REGRESSION"})
#: the conventional-commit types this gate knows
TYPES = (
    "feat", "fix", "test", "refactor", "docs", "style", "perf", "build", "ci", "chore", "revert",
)  # fmt: skip
#: first lines that are not conventional commits and pass: git's and rebase's own
EXEMPT = re.compile(r"^(Merge |Revert |fixup! |squash! |amend! |Initial commit$)")
_HEADER = re.compile(
    r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\s][^()]*)\))?(?P<bang>!)?: (?P<subject>\S.*)$"
)


def staged_tree_id(blobs: Mapping[str, str], roles: FileRoles) -> str:
    """The tree id a ``pytest --piv`` run of exactly the staged test and source files has."""
    file_roles = roles.roles_of(blobs)
    return TreeState({p: blobs[p] for p in file_roles}, file_roles, None, True).tree_id


def evidence(runs: Sequence[RunRow]) -> RunRow | None:
    """The run that judged this tree: the newest complete one that was not UNCHANGED
    (a re-run of the same tree repeats what the first run found), else the newest complete."""
    complete = [r for r in runs if r.status == "complete"]
    judged = [r for r in complete if r.phase != "UNCHANGED"]
    chosen = judged or complete
    return chosen[0] if chosen else None


class Verdict(NamedTuple):
    ok: bool
    message: str


def rgr_gate(run: RunRow | None, touches_code: bool) -> Verdict:
    """``piv-rgr``: the staged test and source files must match a complete run whose
    phase is not VIOLATION or REGRESSION. A commit that stages no test or source file passes."""
    if not touches_code:
        return Verdict(True, "piv-rgr: no test or source file staged")
    if run is None:
        return Verdict(
            False,
            "piv-rgr: the staged test and source files match no complete `pytest --piv` run"
            " (hint: run `pytest --piv` on exactly what you stage, then commit)",
        )
    if run.phase in REJECTED_PHASES:
        return Verdict(
            False,
            f"piv-rgr: the staged files were run in run {run.id} with phase {run.phase}"
            f" ({run.headline or ''}); fix it and run `pytest --piv` (hint: piv status)",
        )
    return Verdict(True, f"piv-rgr: backed by run {run.id} ({run.phase})")


class Header(NamedTuple):
    type: str
    scope: str | None
    breaking: bool
    subject: str


def message_header(message: str) -> str:
    """The first line of a commit message, git's comment lines left out."""
    for line in message.splitlines():
        if line.startswith("#"):
            continue
        if line.strip():
            return line.rstrip()
    return ""


def parse_header(line: str) -> Header | None:
    match = _HEADER.match(line)
    if match is None:
        return None
    return Header(match["type"], match["scope"], bool(match["bang"]), match["subject"])


def check_message(
    message: str,
    phase: str | None,
    commit_types: Mapping[str, Sequence[str]],
    run_id: int | None = None,
) -> Verdict:
    """``piv-commit-msg``: conventional-commit form, and a type that fits the staged run's
    phase (``None`` when no run backs the staged code, or no code is staged)."""
    header = message_header(message)
    if not header or EXEMPT.match(header):
        return Verdict(True, "piv-commit-msg: not checked (empty, merge, revert or fixup)")
    parsed = parse_header(header)
    if parsed is None:
        return Verdict(
            False,
            f"piv-commit-msg: {header!r} is not a conventional commit"
            " (expected 'type(scope): subject', e.g. 'feat: add a discount')",
        )
    kind = parsed.type.lower()
    if kind not in TYPES:
        return Verdict(
            False,
            f"piv-commit-msg: type {parsed.type!r} is not a conventional-commit type"
            f" (expected one of {', '.join(TYPES)})",
        )
    fits = commit_types.get(phase or "")
    if fits and kind not in fits:
        where = f" in run {run_id}" if run_id is not None else ""
        suggestion = " or ".join(f"'{t}:'" for t in fits)
        return Verdict(
            False,
            f"piv-commit-msg: the staged change was {phase}{where}, so the commit is"
            f" {suggestion}, not '{kind}:' (hint: git commit -m \"{fits[0]}: {parsed.subject}\")",
        )
    return Verdict(True, f"piv-commit-msg: '{kind}:' fits {phase or 'the change'}")
