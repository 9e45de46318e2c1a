"""Annotations as GitHub workflow commands: changed lines first, at most 10 per kind, escaped.

GitHub shows only 10 annotations of each kind per step, so the ones on lines the change
touched come first and the rest go to the summary. Escaping follows the runner's rules
(``@actions/core``): in data ``%``, CR and LF; in a property also ``:`` and ``,``. Escaped,
a message can never end the command's line, so text such as ``\\n::set-output`` from a
commit subject or a tool's message stays data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pytest_piv.ghreport.model import KINDS, Annotation

#: GitHub shows this many annotations of each kind per step
PER_KIND = 10
#: a message or title longer than this is cut (GitHub cuts them anyway)
MAX_TEXT = 4000

Changed = Mapping[str, frozenset[int]]


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def workflow_command(annotation: Annotation) -> str:
    """``::error file=F,line=L,title=T::message``, one line whatever the text holds."""
    props = []
    if annotation.file:
        props.append(("file", annotation.file))
        if annotation.line is not None and annotation.line > 0:
            props.append(("line", str(annotation.line)))
            if annotation.end_line is not None and annotation.end_line > annotation.line:
                props.append(("endLine", str(annotation.end_line)))
            if annotation.col is not None and annotation.col > 0:
                props.append(("col", str(annotation.col)))
    if annotation.title:
        props.append(("title", _cut(annotation.title)))
    shown = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    head = f"::{annotation.kind} {shown}" if shown else f"::{annotation.kind}"
    return f"{head}::{escape_data(_cut(annotation.message))}"


def closeness(annotation: Annotation, changed: Changed) -> int:
    """0 on a changed line, 1 in a changed file, 2 anywhere else (or nowhere)."""
    if not annotation.file or annotation.file not in changed:
        return 2
    lines = changed[annotation.file]
    if annotation.line is None or annotation.line < 1:
        return 1
    last = max(annotation.line, annotation.end_line or annotation.line)
    return 0 if any(n in lines for n in range(annotation.line, last + 1)) else 1


def select(
    annotations: Iterable[Annotation], changed: Changed, per_kind: int = PER_KIND
) -> tuple[list[Annotation], list[Annotation]]:
    """The annotations to emit (changed lines first, ``per_kind`` of each kind) and the rest.

    Within one closeness the gates' own order is kept. Both lists are in emitting order.
    """
    ordered = sorted(annotations, key=lambda a: closeness(a, changed))
    shown: list[Annotation] = []
    rest: list[Annotation] = []
    counts = dict.fromkeys(KINDS, 0)
    for annotation in ordered:
        if counts[annotation.kind] < per_kind:
            counts[annotation.kind] += 1
            shown.append(annotation)
        else:
            rest.append(annotation)
    return shown, rest


def where(annotation: Annotation) -> str:
    """``path:line`` (or ``path``, or empty) for the summary's table of the rest."""
    if not annotation.file:
        return ""
    if annotation.line is None or annotation.line < 1:
        return annotation.file
    end = annotation.end_line
    span = f"{annotation.line}-{end}" if end is not None and end > annotation.line else ""
    return f"{annotation.file}:{span or annotation.line}"


def commands(shown: Sequence[Annotation]) -> list[str]:
    return [workflow_command(a) for a in shown]
