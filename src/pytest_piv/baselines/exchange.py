"""A baseline as a sorted, diff-friendly JSON file a project can commit.

Each benchmark keeps its round count and at most :data:`MAX_POINTS` evenly spaced order
statistics of its per-iteration times (six significant digits), which is all the
quantile-based comparison needs; the file is written with sorted keys so re-exporting an
unchanged baseline gives an identical file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_piv.baselines.machine import Fingerprint
from pytest_piv.errors import UsageError

FORMAT = "pytest-piv-bench-baseline"
VERSION = 1
MAX_POINTS = 1000


@dataclass(frozen=True)
class BaselineEntry:
    name: str
    rounds: int
    samples: tuple[float, ...]


@dataclass(frozen=True)
class BaselineFile:
    machine: str
    fingerprint: Fingerprint
    entries: tuple[BaselineEntry, ...]


def thin(samples: Sequence[float], limit: int = MAX_POINTS) -> tuple[float, ...]:
    """At most ``limit`` evenly spaced order statistics, rounded to six digits."""
    ordered = sorted(samples)
    if len(ordered) > limit:
        step = (len(ordered) - 1) / (limit - 1)
        ordered = [ordered[round(i * step)] for i in range(limit)]
    return tuple(float(f"{t:.6g}") for t in ordered)


def dumps(baseline: BaselineFile) -> str:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "machine": baseline.machine,
        "fingerprint": dict(baseline.fingerprint.fields),
        "benchmarks": {
            e.name: {"rounds": e.rounds, "samples": list(thin(e.samples))}
            for e in sorted(baseline.entries, key=lambda e: e.name)
        },
    }
    return json.dumps(data, sort_keys=True, indent=1) + "\n"


#: limits of an imported file, so that a crafted one cannot exhaust memory or time
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_BENCHMARKS = 10_000
MAX_SAMPLES = MAX_POINTS
MAX_ROUNDS = 10**12
MAX_NAME = 1000
MAX_FINGERPRINT_FIELDS = 100
#: the longest integer literal read (a round count needs 13 digits)
MAX_INT_DIGITS = 20


class _Unusable:
    """A JSON number kept out of Python's numbers (too long, NaN or Infinity): no field
    accepts it, so the field's own check names it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text if len(self.text) <= MAX_INT_DIGITS else f"<{len(self.text)} digits>"


def _parse_int(text: str) -> int | _Unusable:
    return _Unusable(text) if len(text.lstrip("-")) > MAX_INT_DIGITS else int(text)


def read(path: Path) -> BaselineFile:
    """Read and validate an exported baseline, at most :data:`MAX_FILE_BYTES` of it."""
    origin = str(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{origin}: cannot read it ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise UsageError(
            f"{origin}: not a pytest-piv benchmark baseline (larger than {MAX_FILE_BYTES} bytes)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{origin}: not a pytest-piv benchmark baseline (not UTF-8 text: byte {exc.start})"
        ) from None
    return loads(text, origin)


def _text_problem(value: object, limit: int = MAX_NAME) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "a non-empty string"
    if not value.isprintable():
        return "printable text without control characters or newlines"
    if len(value) > limit:
        return f"at most {limit} characters"
    return None


def loads(text: str, origin: str) -> BaselineFile:
    """Parse an exported baseline; anything malformed is a one-line ``UsageError`` naming
    the field, and the limits above are enforced."""

    def bad(what: str) -> UsageError:
        return UsageError(f"{origin}: not a pytest-piv benchmark baseline ({what})")

    try:
        data = json.loads(text, parse_int=_parse_int, parse_constant=_Unusable)
    except json.JSONDecodeError as exc:
        raise bad(f"invalid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise bad("nested too deeply") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise bad(f'"format" is not "{FORMAT}"')
    if data.get("version") != VERSION:
        raise bad(f"version {data.get('version')!r} is not {VERSION}; upgrade pytest-piv")
    machine, fields, benchmarks = (
        data.get("machine"),
        data.get("fingerprint"),
        data.get("benchmarks"),
    )
    if problem := _text_problem(machine):
        raise bad(f'"machine" must be {problem}')
    if not isinstance(fields, dict) or len(fields) > MAX_FINGERPRINT_FIELDS:
        raise bad(f'"fingerprint" must be a table of at most {MAX_FINGERPRINT_FIELDS} fields')
    for key, value in fields.items():
        if (problem := _text_problem(key)) or (problem := _text_problem(value)):
            raise bad(f'"fingerprint" field {key!r} = {value!r} must be {problem}')
    if not isinstance(benchmarks, dict) or not benchmarks or len(benchmarks) > MAX_BENCHMARKS:
        raise bad(f'"benchmarks" must be a table of 1 to {MAX_BENCHMARKS} benchmarks')
    entries = [_entry(name, body, bad) for name, body in benchmarks.items()]
    assert isinstance(machine, str)
    return BaselineFile(
        machine,
        Fingerprint({str(k): str(v) for k, v in fields.items()}),
        tuple(entries),
    )


def _entry(name: str, body: object, bad: Callable[[str], UsageError]) -> BaselineEntry:
    if problem := _text_problem(name):
        raise bad(f"benchmark name {name!r} must be {problem}")
    if not isinstance(body, dict):
        raise bad(f'benchmark {name!r} must be a table with "rounds" and "samples"')
    samples, rounds = body.get("samples"), body.get("rounds")
    if not isinstance(samples, list) or not samples:
        raise bad(f'benchmark {name!r} "samples" must be a non-empty list of positive timings')
    if len(samples) > MAX_SAMPLES:
        raise bad(f'benchmark {name!r} "samples" holds {len(samples)}, at most {MAX_SAMPLES}')
    if not all(
        isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t) and t > 0
        for t in samples
    ):
        raise bad(f'benchmark {name!r} needs positive timings in "samples"')
    if (
        isinstance(rounds, bool)
        or not isinstance(rounds, int)
        or not len(samples) <= rounds <= MAX_ROUNDS
    ):
        raise bad(
            f'benchmark {name!r} "rounds" = {rounds!r} must be a whole number from the '
            f"number of samples to {MAX_ROUNDS}"
        )
    return BaselineEntry(name, rounds, tuple(float(t) for t in samples))
