"""A stable fingerprint of the machine a benchmark ran on, and how busy it was.

The fingerprint holds only what changes timings and stays put between runs: CPU model,
core count, architecture, OS family, Python implementation and ``major.minor`` version,
and the benchmark options that change what a round measures. Host names, kernel builds,
Python patch releases and load are left out, so the same box keeps its baselines
(pytest-benchmark#255, #276). ``[tool.piv.bench] machine`` replaces the key with a name.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: pytest-benchmark options that change what one round measures (not how many rounds).
TIMING_OPTIONS = ("timer", "disable_gc", "min_time", "warmup", "calibration_precision")


@dataclass(frozen=True)
class Fingerprint:
    """The fields that decide whether two runs' timings are comparable."""

    fields: Mapping[str, str]

    @property
    def digest(self) -> str:
        """A short hash of the fields, stable across runs and Python patch releases."""
        text = json.dumps(dict(self.fields), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def key(self, name: str | None) -> str:
        """The baseline key: the configured machine name, else the digest."""
        return name if name else self.digest

    def differences(self, other: Fingerprint) -> list[str]:
        """``["python: CPython 3.11 -> CPython 3.12"]`` for every field that differs."""
        keys = sorted(set(self.fields) | set(other.fields))
        return [
            f"{k}: {other.fields.get(k, '-')} -> {self.fields.get(k, '-')}"
            for k in keys
            if self.fields.get(k) != other.fields.get(k)
        ]

    def to_json(self) -> str:
        return json.dumps(dict(self.fields), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Fingerprint:
        data = json.loads(text)
        return cls({str(k): str(v) for k, v in data.items()})


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU model name, from ``/proc/cpuinfo`` where there is one."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            name, _, value = line.partition(":")
            if name.strip() in {"model name", "Hardware", "cpu model"} and value.strip():
                return " ".join(value.split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def fingerprint(options: Mapping[str, object] | None = None) -> Fingerprint:
    """This machine's fingerprint; ``options`` are pytest-benchmark's timing options."""
    fields = {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count() or 0),
        "arch": platform.machine() or "unknown",
        "os": platform.system() or "unknown",
        "python": f"{platform.python_implementation()} {sys.version_info[0]}.{sys.version_info[1]}",
    }
    for name in TIMING_OPTIONS:
        if options is not None and name in options:
            fields[f"benchmark.{name}"] = str(options[name])
    return Fingerprint(fields)


def load_per_core() -> float | None:
    """The one-minute load average divided by the core count (None where unknown)."""
    try:
        one_minute = os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
    return round(one_minute / (os.cpu_count() or 1), 3)
