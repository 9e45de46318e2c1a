"""Where a profiled run keeps its artifacts: ``.piv/profiles/<run>/`` and its report.json.

A run directory is named for its start time and process (``20261206-221530-4242``) so that
names sort by age; ``report.json`` in it holds everything the reports show, so ``piv
profile show`` renders a past run exactly as the run did. Two processes of one run (the
py-spy parent and the pytest it profiles) each merge their part into the same report.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPORT = "report.json"


def new_run(base: Path) -> Path:
    """A fresh run directory under ``base``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime())
    path = base / f"{stamp}-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def runs(base: Path) -> list[Path]:
    """Every run directory with a report under ``base``, newest first."""
    if not base.is_dir():
        return []
    found = [p for p in base.iterdir() if (p / REPORT).is_file()]
    return sorted(found, key=lambda p: ((p / REPORT).stat().st_mtime, p.name), reverse=True)


def read_report(run: Path) -> dict[str, Any]:
    """The report of a run (empty when it has none yet)."""
    try:
        data = json.loads((run / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def merge_report(run: Path, part: Mapping[str, Any]) -> dict[str, Any]:
    """Add ``part`` to the run's report (lists of artifacts and budgets are extended)."""
    data = read_report(run)
    for key, value in part.items():
        if isinstance(value, list) and isinstance(data.get(key), list):
            data[key] = [*data[key], *value]
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    tmp = run / (REPORT + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(run / REPORT)
    return data
