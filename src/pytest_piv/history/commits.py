"""A commit's conventional type against the RGR phase it showed, for ``piv verify``.

One table serves the commit-msg hook (the commit being made) and ``piv verify`` (each
commit of a range): ``[tool.piv.validate.commit_types]``, phase -> the types that fit it
(:data:`pytest_piv.validate.settings.DEFAULT_COMMIT_TYPES`: RED ``test``, GREEN ``feat``
or ``fix``, REFACTOR ``refactor``), and one parser of commit subjects
(:func:`pytest_piv.validate.commit_gate.parse_header`). Only the wording is verify's own:
history is not re-typed, so subjects that are not conventional, and merges, reverts and
fixups, are not judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pytest_piv.validate.commit_gate import EXEMPT, parse_header

#: phases that are judged on their own (a violation already), not against the type
UNJUDGED_PHASES = frozenset({"REGRESSION", "VIOLATION", "INCOMPLETE", "ADOPTED"})


def type_mismatch(
    subject: str, phase: str, commit_types: Mapping[str, Sequence[str]]
) -> str | None:
    """Why a commit's type does not fit the phase it showed, or ``None`` when it does."""
    header = subject.strip()
    if phase in UNJUDGED_PHASES or not header or EXEMPT.match(header):
        return None
    parsed = parse_header(header)
    if parsed is None:
        return None
    kind = parsed.type.lower()
    fits = commit_types.get(phase)
    if not fits or kind in fits:
        return None
    better = " or ".join(f"{t}:" for t in fits)
    return f"a {kind}: commit showed {phase}, where {better} fits (hint: type it {fits[0]}:)"
