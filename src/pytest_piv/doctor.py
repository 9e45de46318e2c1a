"""``piv doctor``: what stands between this project and working gates, each with its fix.

Every check returns :class:`Finding` objects (ok, warn or fail, one line each, with the
fix for anything that is not ok). Nothing here imports pytest or click; the checks look
at the filesystem, git and the tools on PATH.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from pytest_piv.config import PivConfig, load_config
from pytest_piv.errors import PivError
from pytest_piv.store.schema import SCHEMA_VERSION
from pytest_piv.tools import INSTALL_HINTS, find_tool, run_tool
from pytest_piv.vcs import in_git

PTRACE_SCOPE = Path("/proc/sys/kernel/yama/ptrace_scope")
#: (tool, what needs it, required)
TOOLS: tuple[tuple[str, str, bool], ...] = (
    ("git", "the RGR ledger, checkpoints and piv verify", True),
    ("ruff", "piv validate", False),
    ("mypy", "piv validate (standard preset)", False),
    ("pre-commit", "the published hooks", False),
    ("detect-secrets", "piv checkpoint's secret scan", False),
    ("py-spy", "CPU profiles", False),
    ("memray", "memory profiles", False),
)
HOOK_TYPES = ("pre-commit", "commit-msg")


class Finding(NamedTuple):
    check: str
    status: str  # ok, warn, fail
    detail: str
    fix: str | None = None

    def line(self) -> str:
        mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}[self.status]
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{mark} {self.check}: {self.detail}{fix}"


class Context(NamedTuple):
    root: Path
    env: Mapping[str, str]
    ptrace_scope: Path = PTRACE_SCOPE
    tools: tuple[tuple[str, str, bool], ...] = TOOLS
    #: run each tool's --version (a second or so each)
    versions: bool = True


def check_config(ctx: Context) -> Iterator[Finding]:
    try:
        piv = load_config(ctx.root, env=ctx.env)
    except PivError as exc:
        yield Finding("config", "fail", str(exc), "correct the value named above")
        return
    origins = sorted({o for o in piv.origins.values() if o != "default"})
    yield Finding("config", "ok", "valid" + (f" (set in: {', '.join(origins)})" if origins else ""))


def check_git(ctx: Context) -> Iterator[Finding]:
    if find_tool("git") is None:
        yield Finding("git", "fail", "git is not installed", INSTALL_HINTS["git"])
    elif not in_git(ctx.root):
        yield Finding(
            "git",
            "warn",
            f"{ctx.root} is not a git repository: every file is hashed on each run, and "
            "checkpoints and piv verify need git",
            "git init",
        )
    else:
        yield Finding("git", "ok", "a git work tree")


def check_plugins(ctx: Context) -> Iterator[Finding]:
    del ctx
    plugins = {ep.name: ep.value for ep in metadata.entry_points(group="pytest11")}
    if plugins.get("piv") != "pytest_piv.plugin":
        yield Finding(
            "pytest plugins",
            "fail",
            "pytest does not load pytest-piv (no pytest11 entry point 'piv')",
            "pip install pytest-piv in the environment that runs pytest",
        )
        return
    versions = []
    for dist in ("pytest", "pytest-cov", "pytest-benchmark", "pytest-xdist", "coverage"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} -")
    yield Finding("pytest plugins", "ok", "piv loads; " + ", ".join(versions))


def check_addopts(ctx: Context) -> Iterator[Finding]:
    text = ""
    for name in ("pyproject.toml", "pytest.ini", "setup.cfg", "tox.ini"):
        path = ctx.root / name
        if path.is_file():
            text += path.read_text(encoding="utf-8", errors="replace")
    if "no:piv" in text:
        yield Finding(
            "pytest addopts",
            "warn",
            "the project's pytest options contain `-p no:piv`: pytest --piv does nothing",
            "remove `-p no:piv` from addopts (keep it only in a suite that tests piv itself)",
        )


def _version(tool: str) -> str:
    done = run_tool([tool, "--version"], timeout=20)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0] if first else "installed"


def check_tools(ctx: Context) -> Iterator[Finding]:
    for tool, needed_by, required in ctx.tools:
        if find_tool(tool) is None:
            status = "fail" if required else "warn"
            yield Finding(
                f"tool {tool}",
                status,
                f"not installed (needed by {needed_by})",
                INSTALL_HINTS.get(tool, f"install {tool}"),
            )
        else:
            yield Finding(f"tool {tool}", "ok", _version(tool) if ctx.versions else "installed")


def _git_dir(root: Path) -> Path | None:
    done = run_tool(["git", "rev-parse", "--absolute-git-dir"], cwd=root, timeout=20)
    return Path(done.stdout.strip()) if done.ok and done.stdout.strip() else None


def check_hooks(ctx: Context) -> Iterator[Finding]:
    config = ctx.root / ".pre-commit-config.yaml"
    if not config.is_file():
        yield Finding(
            "hooks",
            "warn",
            "no .pre-commit-config.yaml: no gate runs at commit",
            "piv init --yes (adds the piv hooks), then pre-commit install",
        )
        return
    git_dir = _git_dir(ctx.root) if find_tool("git") else None
    if git_dir is None:
        yield Finding("hooks", "warn", "not a git repository: hooks cannot be installed")
        return
    missing = [t for t in HOOK_TYPES if not (git_dir / "hooks" / t).is_file()]
    if missing:
        yield Finding(
            "hooks",
            "warn",
            f"hook types not installed: {', '.join(missing)}",
            "pre-commit install " + " ".join(f"--hook-type {t}" for t in HOOK_TYPES),
        )
    else:
        yield Finding("hooks", "ok", "pre-commit and commit-msg hooks installed")


def check_profiler(ctx: Context) -> Iterator[Finding]:
    try:
        scope = int(ctx.ptrace_scope.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        yield Finding("profiler permissions", "ok", "no Yama ptrace restriction")
        return
    if scope >= 3:
        yield Finding(
            "profiler permissions",
            "fail",
            f"ptrace is disabled (kernel.yama.ptrace_scope = {scope}): py-spy cannot sample",
            "a reboot with kernel.yama.ptrace_scope <= 1; memory profiles still work",
        )
    elif scope >= 1:
        yield Finding(
            "profiler permissions",
            "ok",
            f"kernel.yama.ptrace_scope = {scope}: py-spy profiles what it starts "
            "(piv profile does), not attached processes",
        )
    else:
        yield Finding("profiler permissions", "ok", "kernel.yama.ptrace_scope = 0")


def _store_of(ctx: Context) -> Path | None:
    try:
        piv: PivConfig = load_config(ctx.root, env=ctx.env)
    except PivError:
        return None
    return piv.db


def check_store(ctx: Context) -> Iterator[Finding]:
    db = _store_of(ctx)
    if db is None:
        return
    if not db.exists():
        yield Finding("store", "ok", f"{db}: none yet (the first `pytest --piv` creates it)")
        return
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            healthy = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        yield Finding(
            "store",
            "fail",
            f"{db} is not a readable piv store ({exc})",
            "piv state reset (keeps the old file as a backup)",
        )
        return
    if version > SCHEMA_VERSION:
        yield Finding(
            "store",
            "fail",
            f"{db} is from a newer pytest-piv (schema {version})",
            "upgrade pytest-piv",
        )
    elif not healthy:
        yield Finding(
            "store",
            "fail",
            f"{db} failed SQLite's integrity check",
            "piv state reset (keeps the old file as a backup)",
        )
    else:
        yield Finding("store", "ok", f"{db}: schema {version}, integrity ok")
    mode = stat.S_IMODE(db.stat().st_mode)
    if mode & 0o077:
        yield Finding(
            "store permissions",
            "warn",
            f"{db} is readable by others (mode {mode:o}) and holds copies of your source",
            f"chmod 600 {db}",
        )


def check_gitignore(ctx: Context) -> Iterator[Finding]:
    if find_tool("git") is None or not in_git(ctx.root):
        return
    probe = run_tool(["git", "check-ignore", "-q", ".piv/piv.db"], cwd=ctx.root, timeout=20)
    if probe.returncode != 0:
        yield Finding(
            "gitignore",
            "warn",
            ".piv/ is not ignored by git: the store could be committed",
            "add .piv/ to .gitignore (piv init --yes does)",
        )
    else:
        yield Finding("gitignore", "ok", ".piv/ is ignored")


CHECKS: tuple[Callable[[Context], Iterator[Finding]], ...] = (
    check_config,
    check_git,
    check_plugins,
    check_addopts,
    check_tools,
    check_hooks,
    check_profiler,
    check_store,
    check_gitignore,
)


def diagnose(ctx: Context) -> list[Finding]:
    return [finding for check in CHECKS for finding in check(ctx)]
