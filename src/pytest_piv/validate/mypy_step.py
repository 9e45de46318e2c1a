"""The mypy steps: whole-project correctness for a scoped change, and whole-project mypy.

The scoped step checks the changed files plus the project modules that import them
(reverse imports, ``[tool.piv.validate] importer_depth`` steps, default 1), so a changed
signature that breaks an unchanged caller is reported. mypy follows imports as the project
configured it; only errors in the checked files are kept. When there are errors, the same
files that have errors are checked at HEAD in a temporary git worktree (cached per HEAD,
file by file) and only errors HEAD did not have are reported: debt in untouched code is not
newly reported. That check's mypy cache is seeded from the project's own, so it is
incremental even on piv's first run. When the change altered no module's interface (only
function bodies: :mod:`pytest_piv.validate.interface`), the errors in unchanged files are
old by construction and only the changed files with errors are checked at HEAD.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import tomllib
from collections.abc import Sequence
from configparser import ConfigParser, Error
from pathlib import Path
from typing import NamedTuple

from pytest_piv.baselines.worktree import checkout
from pytest_piv.errors import VcsError
from pytest_piv.tools import run_tool
from pytest_piv.validate.findings import Finding, new_findings, parse_mypy
from pytest_piv.validate.interface import interfaces_unchanged
from pytest_piv.validate.project import Project, Target, tool_command
from pytest_piv.validate.runner import StepResult, Verdict, judged
from pytest_piv.values import counted
from pytest_piv.vcs import changed_files, head_texts, resolve_commit

OUTPUT_FLAGS = (
    "--show-column-numbers",
    "--show-error-codes",
    "--no-pretty",
    "--no-color-output",
    "--no-error-summary",
)
#: the base check's own mypy cache, under ``.piv/validate``
HEAD_CACHE = "mypy-head-cache"
#: the errors found at the base, by commit and file, under ``.piv/validate``
BASELINE_CACHE = "mypy-baseline-2.json"


def mypy_targets(project: Project) -> list[str]:
    """The changed Python files and their reverse importers (paths, sorted), as far as
    the project's mypy configuration checks them (its ``files`` and ``exclude``)."""
    target = project.target
    graph = project.graph
    changed = {project.module_of(p) for p in target.python_files if p.endswith(".py")}
    changed |= {project.module_of(p) for p in target.deleted if p.endswith(".py")}
    importers = graph.reverse_closure(changed, target.settings.importer_depth)
    paths = {*target.python_files, *(graph.files[m] for m in importers if m in graph.files)}
    scope = mypy_scope(target.root)
    return sorted(p for p in _through_stubs(paths, target.root) if scope.covers(p))


def _through_stubs(paths: set[str], root: Path) -> set[str]:
    """A module with a stub beside it (``x.py`` and ``x.pyi``) is one module to mypy, known by
    its stub: passing both is a "Duplicate module" error, so the stub stands for both."""
    stubbed = {
        p for p in paths if p.endswith(".py") and (f"{p}i" in paths or (root / f"{p}i").is_file())
    }
    return (paths - stubbed) | {f"{p}i" for p in stubbed}


class MypyScope(NamedTuple):
    """What the project's mypy configuration checks (``files``, ``exclude``) and where it
    keeps its incremental cache (``cache_dir``)."""

    files: tuple[str, ...] | None = None
    exclude: str | None = None
    cache_dir: str | None = None

    def covers(self, path: str) -> bool:
        """Whether a whole-project ``mypy`` would check ``path``."""
        if self.files is not None and not any(
            path == f or path.startswith(f"{f}/") or f in (".", "")
            for f in (f.strip().rstrip("/").removeprefix("./") for f in self.files)
        ):
            return False
        return self.exclude is None or re.search(self.exclude, path) is None


def _patterns(value: object) -> str | None:
    if isinstance(value, list):
        return "|".join(f"(?:{v})" for v in value if isinstance(v, str)) or None
    if isinstance(value, str) and value.strip():
        return "|".join(f"(?:{v.strip()})" for v in value.strip().splitlines() if v.strip())
    return None


def _file_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return None


def _ini_scope(path: Path) -> MypyScope | None:
    parser = ConfigParser()
    try:
        if not parser.read(path, encoding="utf-8") or not parser.has_section("mypy"):
            return None
    except Error:
        return None
    section = parser["mypy"]
    return MypyScope(
        _file_list(section.get("files")),
        _patterns(section.get("exclude")),
        section.get("cache_dir"),
    )


def mypy_scope(root: Path) -> MypyScope:
    """The ``files`` and ``exclude`` of the project's mypy configuration, where mypy reads
    it: ``mypy.ini``, ``.mypy.ini``, ``pyproject.toml``, ``setup.cfg`` (first found)."""
    for name in ("mypy.ini", ".mypy.ini"):
        found = _ini_scope(root / name)
        if found is not None:
            return found
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        table = data.get("tool", {}).get("mypy")
        if isinstance(table, dict):
            cache = table.get("cache_dir")
            return MypyScope(
                _file_list(table.get("files")),
                _patterns(table.get("exclude")),
                cache if isinstance(cache, str) else None,
            )
    return _ini_scope(root / "setup.cfg") or MypyScope()


def project_cache(root: Path) -> Path | None:
    """The mypy cache the project's own mypy runs keep: ``MYPY_CACHE_DIR``, else the
    configured ``cache_dir``, else ``.mypy_cache`` (None when it is switched off)."""
    configured = os.environ.get("MYPY_CACHE_DIR") or mypy_scope(root).cache_dir
    if configured == os.devnull:
        return None
    path = Path(configured or ".mypy_cache").expanduser()
    return path if path.is_absolute() else root / path


def seed_cache(source: Path | None, cache: Path) -> bool:
    """Copy the project's mypy cache to ``cache`` when ``cache`` does not exist yet, so a
    check at another commit reuses what is unchanged instead of starting cold."""
    if cache.exists() or source is None or not source.is_dir():
        return False
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, cache, symlinks=True)
    except (OSError, shutil.Error):
        shutil.rmtree(cache, ignore_errors=True)  # a partial seed: start cold instead
        return False
    return True


def _argv(target: Target, files: Sequence[str], cache_dir: Path | None) -> list[str]:
    command, beside = tool_command("mypy", target.python)
    argv = [command, *OUTPUT_FLAGS]
    if not beside and target.python != sys.executable:
        argv += ["--python-executable", target.python]
    if cache_dir is not None:
        argv += ["--cache-dir", str(cache_dir)]
    return [*argv, *files]


def _run(
    target: Target, cwd: Path, files: Sequence[str], budget: float, cache: Path | None
) -> tuple[list[Finding] | None, str]:
    """mypy's errors, or None with the reason when it overran or crashed."""
    result = run_tool(_argv(target, files, cache), cwd=cwd, timeout=budget)
    if result.timed_out:
        return None, f"over its budget of {budget:g}s"
    findings = parse_mypy(result.stdout, cwd)
    if result.returncode not in (0, 1) or (result.returncode == 1 and not findings):
        lines = (result.stderr or result.stdout).strip().splitlines()
        return None, f"mypy exited {result.returncode}: {lines[-1] if lines else 'no output'}"
    return findings, ""


def _cached_baseline(cache_file: Path, commit: str) -> dict[str, list[Finding]]:
    """The errors already found at ``commit``, by file (empty for another commit)."""
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("commit") != commit:
            return {}
        files = data["files"]
        return {path: [Finding(*row) for row in rows] for path, rows in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _baseline(
    target: Target, files: Sequence[str], budget: float
) -> tuple[list[Finding] | None, str]:
    """The errors the same files had at the base, HEAD by default, cached by the base's
    commit file by file (a file's errors do not depend on which others are checked with
    it), so fixing callers one by one checks the base once. The check's cache is seeded
    from the project's mypy cache."""
    commit = resolve_commit(target.root, target.base)
    if commit is None:
        return [], ""
    cache_file = target.cache_dir / BASELINE_CACHE
    known = _cached_baseline(cache_file, commit)
    missing = [f for f in files if f not in known]
    if missing:
        head_cache = target.cache_dir / HEAD_CACHE
        seed_cache(project_cache(target.root), head_cache)
        try:
            with checkout(target.root, commit) as tree:
                present = [f for f in missing if (tree / f).is_file()]
                found, why = (
                    _run(target, tree, present, budget, head_cache) if present else ([], "")
                )
        except VcsError as exc:
            return None, f"no baseline at {target.base} ({exc})"
        if found is None:
            return None, f"baseline at {target.base}: {why}"
        known.update({f: [e for e in found if e.path == f] for f in missing})
        target.cache_dir.mkdir(parents=True, exist_ok=True)
        rows = {path: [list(e) for e in errors] for path, errors in known.items()}
        cache_file.write_text(json.dumps({"commit": commit, "files": rows}), encoding="utf-8")
    return [e for f in files for e in known[f]], ""


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def body_only_changes(target: Target) -> set[str] | None:
    """The paths that differ from the base in the work tree (what mypy reads), when they
    change no module's interface; None when one might (or git cannot tell)."""
    try:
        changed, deleted = changed_files(target.root, target.base)
        paths = [*changed, *deleted]
        python = [p for p in paths if p.endswith((".py", ".pyi"))]
        before = head_texts(target.root, python, target.base)
    except VcsError:
        return None
    changes: dict[str, tuple[str | None, str | None]] = dict.fromkeys(paths, (None, None))
    changes.update({p: (before.get(p), _read(target.root / p)) for p in python})
    return set(paths) if interfaces_unchanged(changes) else None


def _old_by_interface(target: Target, found: list[Finding]) -> tuple[list[Finding], int]:
    """The errors that may be new (to check at the base), and how many are known old:
    those in unchanged files when no interface changed."""
    changed = body_only_changes(target) if target.settings.interface_rule else None
    if changed is None:
        return found, 0
    suspects = [f for f in found if f.path in changed]
    return suspects, len(found) - len(suspects)


def scoped_mypy(project: Project, budget: float) -> StepResult:
    """The ``mypy`` step of the standard preset."""
    started = time.perf_counter()
    target = project.target
    files = mypy_targets(project)
    if not files:
        return StepResult("mypy", "skip", 0.0, (), "no Python file changed")
    baseline_wanted = target.in_git and not target.all_files
    if baseline_wanted:  # the project's cache as it is now: the likeliest to match the base
        seed_cache(project_cache(target.root), target.cache_dir / HEAD_CACHE)
    found, why = _run(target, target.root, files, budget, None)
    if found is None:
        return StepResult("mypy", _failed(why), _since(started), (), why)
    checked = set(files)
    found = [f for f in found if f.path in checked]
    detail = f"{len(files)} files: {len(target.python_files)} changed + importers"
    if found and baseline_wanted:
        suspects, known_old = _old_by_interface(target, found)
        before: list[Finding] | None = []
        why = ""
        if suspects:
            left = budget - (time.perf_counter() - started)
            with_errors = sorted({f.path for f in suspects})  # only these need a baseline
            before, why = _baseline(target, with_errors, max(left, 1.0))
        if before is None:
            verdict = _failed(why)
            return StepResult("mypy", verdict, _since(started), tuple(found), why)
        fresh = new_findings(suspects, before)
        if len(fresh) < len(found):
            old = len(found) - len(fresh)
            detail += f", {counted(old, 'error')} already at {target.base} not reported"
            if known_old:
                detail += " (no interface changed)"
        found = fresh
    return StepResult("mypy", judged(bool(found)), _since(started), tuple(found), detail)


def project_mypy(project: Project, budget: float) -> StepResult:
    """The ``mypy-project`` step: mypy over the whole project as it is configured."""
    started = time.perf_counter()
    target = project.target
    files: list[str] = [] if mypy_scope(target.root).files is not None else ["."]
    found, why = _run(target, target.root, files, budget, None)
    if found is None:
        verdict = _failed(why)
        return StepResult("mypy-project", verdict, _since(started), (), why)
    return StepResult(
        "mypy-project", judged(bool(found)), _since(started), tuple(found), "whole project"
    )


def _since(started: float) -> float:
    return time.perf_counter() - started


def _failed(why: str) -> Verdict:
    return "timeout" if "budget" in why else "fail"
