"""Secret scan of exactly the content a checkpoint commits, with detect-secrets.

The files of the snapshot tree that differ from HEAD (added or modified regular files)
are written from git's objects into a temporary directory (not read from the working
tree, which may have changed since the snapshot) and scanned there with
``detect-secrets scan``. A ``.secrets.baseline`` in the snapshot is honoured: its plugin
settings are used and the secrets it lists are allowed. A finding names the file, the
line and the detector, never the secret.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pytest_piv import gitplumbing as git
from pytest_piv.errors import PivError
from pytest_piv.tools import run_tool

BASELINE = ".secrets.baseline"
DEFAULT_BUDGET_S = 300.0
_FILE_MODES = ("100644", "100755")


class ScanError(PivError):
    """detect-secrets could not scan (it failed, overran its budget or printed no JSON)."""


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    detector: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.detector}"


def changed_files(repo: git.Repo, tree: str, base: str) -> list[str]:
    """Regular files of *tree* that are new or changed relative to *base*."""
    return [
        change.path
        for change in git.diff_trees(repo, base, tree)
        if change.status in "AMT" and change.new_mode in _FILE_MODES
    ]


def scan_tree(
    repo: git.Repo, tree: str, base: str, budget: float = DEFAULT_BUDGET_S
) -> list[Finding]:
    """Secrets in the files *tree* adds or changes relative to *base*, minus the baseline's."""
    paths = [p for p in changed_files(repo, tree, base) if p != BASELINE]
    if not paths:
        return []
    work = Path(tempfile.mkdtemp(prefix="piv-secrets-"))
    try:
        files = work / "files"
        git.checkout_paths(repo, tree, paths, prefix=f"{files}/")
        baseline = _baseline(repo, tree, work)
        return _scan(files, baseline, budget)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _baseline(repo: git.Repo, tree: str, work: Path) -> Path | None:
    if not repo.git("cat-file", "-e", f"{tree}:{BASELINE}", check=False).ok:
        return None
    git.checkout_paths(repo, tree, [BASELINE], prefix=f"{work}/baseline/")
    return work / "baseline" / BASELINE


def _scan(files: Path, baseline: Path | None, budget: float) -> list[Finding]:
    argv = ["detect-secrets", "scan", "--all-files"]
    allowed: set[tuple[str, str]] = set()
    if baseline is not None:
        allowed = set(_pairs(_load(baseline.read_text(encoding="utf-8"), baseline)))
        argv += ["--baseline", str(baseline)]
    done = run_tool([*argv, "."], cwd=files, timeout=budget)
    if not done.ok:
        why = "timed out" if done.timed_out else (done.stderr.strip().splitlines() or ["?"])[-1]
        raise ScanError(f"detect-secrets could not scan the checkpoint: {why}")
    text = baseline.read_text(encoding="utf-8") if baseline is not None else done.stdout
    report = _load(text, baseline)
    found = set()
    for path, results in report.get("results", {}).items():
        for result in results:
            if (path, str(result.get("hashed_secret"))) in allowed:
                continue
            found.add(
                Finding(path, int(str(result.get("line_number", 0))), str(result.get("type")))
            )
    return sorted(found)


def _load(text: str, source: Path | None) -> dict[str, dict[str, list[dict[str, object]]]]:
    try:
        data = json.loads(text)
    except ValueError:
        where = BASELINE if source is not None else "detect-secrets output"
        raise ScanError(f"{where} is not JSON (expected a detect-secrets baseline)") from None
    if not isinstance(data, dict):
        raise ScanError(f"{BASELINE}: expected a JSON object")
    return data


def _pairs(data: dict[str, dict[str, list[dict[str, object]]]]) -> Iterable[tuple[str, str]]:
    for path, results in data.get("results", {}).items():
        for result in results:
            yield path, str(result.get("hashed_secret"))
