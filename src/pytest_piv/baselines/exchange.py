"""A baseline as a sorted, diff-friendly JSON file a project can commit.

Each benchmark keeps its round count and at most :data:`MAX_POINTS` evenly spaced order
statistics of its per-iteration times (six significant digits), which is all the
quantile-based comparison needs; the file is written with sorted keys so re-exporting an
unchanged baseline gives an identical file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

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


def loads(text: str, origin: str) -> BaselineFile:
    """Parse an exported baseline; anything malformed is a one-line ``UsageError``."""

    def bad(what: str) -> UsageError:
        return UsageError(f"{origin}: not a pytest-piv benchmark baseline ({what})")

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad(f"invalid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise bad(f'"format" is not "{FORMAT}"')
    if data.get("version") != VERSION:
        raise bad(f"version {data.get('version')!r} is not {VERSION}; upgrade pytest-piv")
    machine, fields, benchmarks = (
        data.get("machine"),
        data.get("fingerprint"),
        data.get("benchmarks"),
    )
    if not isinstance(machine, str) or not isinstance(fields, dict):
        raise bad('"machine" must be a string and "fingerprint" a table')
    if not isinstance(benchmarks, dict):
        raise bad('"benchmarks" must be a table')
    entries = []
    for name, body in benchmarks.items():
        samples = body.get("samples") if isinstance(body, dict) else None
        rounds = body.get("rounds") if isinstance(body, dict) else None
        if (
            not isinstance(samples, list)
            or not samples
            or not all(isinstance(t, int | float) and math.isfinite(t) and t > 0 for t in samples)
            or not isinstance(rounds, int)
        ):
            raise bad(f"benchmark {name!r} needs positive timings in samples and a round count")
        entries.append(BaselineEntry(str(name), rounds, tuple(float(t) for t in samples)))
    return BaselineFile(
        machine, Fingerprint({str(k): str(v) for k, v in fields.items()}), tuple(entries)
    )
