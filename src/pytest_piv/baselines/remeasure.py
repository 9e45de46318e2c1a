"""Re-measure flagged benchmarks in a fresh pytest process before a run fails.

A slowdown seen once may be a busy neighbour or an unlucky memory layout of one process;
a fresh process with pytest-benchmark's own fixture tells which. The child runs only the
named tests, with pytest-piv off, and hands its raw per-round data back as the JSON file
pytest-benchmark writes with ``--benchmark-json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: pytest-benchmark options that must not reach the child (outputs, comparisons, saving).
_DROPPED = (
    "--benchmark-json",
    "--benchmark-save",
    "--benchmark-autosave",
    "--benchmark-compare",
    "--benchmark-compare-fail",
    "--benchmark-histogram",
    "--benchmark-cprofile",
    "--benchmark-csv",
)
_TAKES_VALUE = (
    "--benchmark-json",
    "--benchmark-save",
    "--benchmark-compare-fail",
    "--benchmark-cprofile",
    "--benchmark-cprofile-dump",
)


@dataclass(frozen=True)
class Remeasured:
    """Per benchmark: iterations per round and per-iteration seconds of each round."""

    samples: Mapping[str, tuple[int, tuple[float, ...]]]
    error: str | None = None


def forwarded_options(args: Sequence[str]) -> list[str]:
    """The ``--benchmark-*`` arguments of the original run that shape the measurement."""
    kept: list[str] = []
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
            continue
        name = arg.split("=", 1)[0]
        if not name.startswith("--benchmark-"):
            continue
        if name.startswith(_DROPPED):
            skip_next = "=" not in arg and name in _TAKES_VALUE
            continue
        kept.append(arg)
    return kept


def parse_benchmark_json(data: object) -> dict[str, tuple[int, tuple[float, ...]]]:
    """``fullname -> (iterations, per-iteration times)`` from pytest-benchmark's JSON."""
    found: dict[str, tuple[int, tuple[float, ...]]] = {}
    benchmarks = data.get("benchmarks", []) if isinstance(data, dict) else []
    for bench in benchmarks:
        stats = bench.get("stats", {}) if isinstance(bench, dict) else {}
        times = stats.get("data") if isinstance(stats, dict) else None
        if isinstance(times, list) and times:
            found[str(bench["fullname"])] = (
                int(stats.get("iterations", 1)),
                tuple(float(t) for t in times),
            )
    return found


def remeasure(
    root: Path,
    nodeids: Sequence[str],
    options: Sequence[str],
    python: str = sys.executable,
    timeout: float = 600.0,
) -> Remeasured:
    """Run ``nodeids`` once more in a fresh pytest process under ``root``."""
    with tempfile.TemporaryDirectory(prefix="piv-remeasure-") as scratch:
        out = Path(scratch) / "bench.json"
        command = [
            python,
            "-m",
            "pytest",
            "-p",
            "no:piv",
            "-p",
            "no:cacheprovider",
            "-q",
            "--no-header",
            "--benchmark-enable",
            f"--benchmark-json={out}",
            *options,
            *nodeids,
        ]
        env = {
            k: v
            for k, v in os.environ.items()
            if k != "PYTEST_ADDOPTS" and not k.startswith("PYTEST_XDIST_")
        }
        try:
            done = subprocess.run(
                command,
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Remeasured({}, f"the re-measure could not run: {exc}")
        if not out.is_file():
            tail = (done.stdout + done.stderr).strip().splitlines()[-1:]
            why = tail[0] if tail else f"exit {done.returncode}"
            return Remeasured({}, f"the re-measure wrote no results ({why})")
        return Remeasured(parse_benchmark_json(json.loads(out.read_text(encoding="utf-8"))))
