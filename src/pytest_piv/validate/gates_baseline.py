"""The committed baseline of quality-gate violations, a ratchet like the coverage baseline.

The file lists every violation the project had when it was written, one per line as
``[code, path, symbol, value]`` (sorted, so a change reviews as a small diff). A violation
that is not in it, or whose value grew past the recorded one, is new and fails; one that
is recorded passes. Rewriting the file drops the violations that were fixed and lowers the
values that improved; it refuses to record new or worse ones unless asked explicitly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from pytest_piv.errors import PivError
from pytest_piv.validate.gates import Measure, new_violations

FORMAT_VERSION = 1

#: (code, path, symbol) -> the recorded value
Recorded = Mapping[tuple[str, str, str], int]


class GatesBaselineError(PivError):
    """The baseline file cannot be read, or an update would record new violations."""


def _bad(path: Path, why: str) -> GatesBaselineError:
    return GatesBaselineError(
        f"{path}: {why} (expected the JSON that 'piv gates baseline' writes:"
        f' {{"format": {FORMAT_VERSION}, "violations": [[code, path, symbol, value], ...]}};'
        " hint: delete it and run 'piv gates baseline')"
    )


def parse_baseline(text: str, path: Path) -> dict[tuple[str, str, str], int]:
    """The recorded violations of a baseline file's text."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise _bad(path, f"not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise _bad(path, f"not a format {FORMAT_VERSION} gates baseline")
    rows = data.get("violations")
    if not isinstance(rows, list):
        raise _bad(path, "'violations' is not a list")
    recorded: dict[tuple[str, str, str], int] = {}
    for number, row in enumerate(rows, 1):
        if (
            not isinstance(row, list)
            or len(row) != 4
            or not all(isinstance(part, str) for part in row[:3])
            or isinstance(row[3], bool)
            or not isinstance(row[3], int)
        ):
            raise _bad(path, f"violation {number} is not [code, path, symbol, value]")
        recorded[(row[0], row[1], row[2])] = row[3]
    return recorded


def read_baseline(path: Path) -> dict[tuple[str, str, str], int] | None:
    """The recorded violations, or None when there is no file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(path, f"cannot be read ({exc})") from None
    return parse_baseline(text, path)


def render_baseline(recorded: Recorded) -> str:
    """The file's text: sorted, one violation per line."""
    rows = [json.dumps([*key, value]) for key, value in sorted(recorded.items())]
    body = ",\n".join(f"    {row}" for row in rows)
    violations = f"[\n{body}\n  ]" if rows else "[]"
    return f'{{\n  "format": {FORMAT_VERSION},\n  "violations": {violations}\n}}\n'


def not_recorded(current: Iterable[Measure], recorded: Recorded, name: str) -> list[Measure]:
    """The measures that the baseline file ``name`` does not have, or that grew past it."""
    return new_violations(current, recorded, f"in {name}")


class Update(NamedTuple):
    """What rewriting the baseline would record, and how it differs from the old one."""

    recorded: dict[tuple[str, str, str], int]
    new: list[Measure]
    fixed: int
    improved: int


def ratchet(old: Recorded | None, current: Iterable[Measure]) -> Update:
    """The baseline of ``current`` measured against ``old``: fixed violations leave it,
    improved ones are lowered, new or worse ones are listed in ``new``."""
    measures = list(current)
    recorded = {m.key: m.value for m in measures}
    if old is None:
        return Update(recorded, [], 0, 0)
    new = new_violations(measures, old, "in the baseline")
    fixed = len(set(old) - set(recorded))
    improved = sum(1 for key, value in recorded.items() if key in old and value < old[key])
    return Update(recorded, new, fixed, improved)
