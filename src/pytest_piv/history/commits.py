"""Conventional commit subjects, and which RGR phase a commit of each type may show.

The same table serves ``piv verify`` (each commit of a range) and the commit-msg hook
(the commit being made): a ``test:`` commit shows a failing test, a ``feat:`` or ``fix:``
commit turns it green, a ``refactor:`` commit changes no outcome.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

_SUBJECT = re.compile(
    r"(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\r\n]*)\))?(?P<breaking>!)?: (?P<text>\S.*)\Z"
)


class Subject(NamedTuple):
    """A conventional commit subject: ``type(scope)!: text``."""

    type: str
    scope: str | None
    breaking: bool
    text: str


def parse_subject(subject: str) -> Subject | None:
    """The parts of a conventional commit subject, or ``None`` when it is not one."""
    hit = _SUBJECT.match(subject.strip())
    if hit is None:
        return None
    return Subject(
        hit["type"].lower(), hit["scope"], hit["breaking"] is not None, hit["text"].strip()
    )


#: the phases (as the ledger names them) a commit of each type may show
FITTING_PHASES: Mapping[str, frozenset[str]] = {
    "test": frozenset({"RED"}),
    "feat": frozenset({"GREEN"}),
    "fix": frozenset({"GREEN"}),
    "refactor": frozenset({"REFACTOR", "UNCHANGED"}),
    "perf": frozenset({"REFACTOR", "UNCHANGED"}),
    "style": frozenset({"REFACTOR", "UNCHANGED"}),
    "docs": frozenset({"UNCHANGED"}),
    "chore": frozenset({"UNCHANGED", "REFACTOR"}),
    "build": frozenset({"UNCHANGED", "REFACTOR"}),
    "ci": frozenset({"UNCHANGED"}),
}

#: the type that fits each phase, for the hint
TYPE_FOR_PHASE: Mapping[str, str] = {
    "RED": "test",
    "GREEN": "feat or fix",
    "REFACTOR": "refactor",
    "UNCHANGED": "docs, chore or ci",
}

#: phases that are judged on their own (a violation already), not against the type
UNJUDGED_PHASES = frozenset({"REGRESSION", "VIOLATION", "INCOMPLETE", "ADOPTED"})


def type_mismatch(subject: str, phase: str) -> str | None:
    """Why a commit's type does not fit the phase it showed, or ``None`` when it does.

    Subjects that are not conventional, ``revert`` commits and types this table does not
    know are not judged.
    """
    parsed = parse_subject(subject)
    if parsed is None or phase in UNJUDGED_PHASES:
        return None
    fitting = FITTING_PHASES.get(parsed.type)
    if fitting is None or phase in fitting:
        return None
    better = TYPE_FOR_PHASE.get(phase)
    hint = f"type it {better}:" if better else "check what the commit changed"
    return (
        f"a {parsed.type}: commit should show {' or '.join(sorted(fitting))}, "
        f"but it showed {phase} (hint: {hint})"
    )
