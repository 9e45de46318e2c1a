"""Replaying a range of commits as ``pytest --piv`` runs in a worktree (the shell).

One worktree outside the user's tree holds each commit in turn; one ledger, inside it at
``.piv/verify-ledger.db``, sees the runs in order, so every verdict is the ledger's own.
Each run's result and the ledger after it are cached by the run's chain key
(:mod:`pytest_piv.history.plan`): a later ``piv verify`` starts from the last cached run
of the longest unchanged prefix.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from pytest_piv import __version__
from pytest_piv.baselines.worktree import checkout
from pytest_piv.config import PivConfig
from pytest_piv.errors import StoreError, UsageError, VcsError
from pytest_piv.history.judge import StepResult, TestResult, VerifyReport, judge_history
from pytest_piv.history.plan import Change, Commit, Step, StepKind, plan_steps
from pytest_piv.store import ledger
from pytest_piv.store import verify as cache_store
from pytest_piv.store.db import connect
from pytest_piv.tools import run_tool
from pytest_piv.vcs import (
    checkout_detached,
    commit_changes,
    default_branch,
    first_parent_commits,
    is_shallow,
    merge_base,
    resolve_commit,
    restore_paths,
    tree_blobs,
)

#: where the replay's ledger lives inside the worktree
LEDGER = Path(".piv") / "verify-ledger.db"
#: files that decide how tests run, besides the tests and the source
CONFIG_FILES = frozenset({"pyproject.toml", "setup.cfg", "pytest.ini", "tox.ini", "setup.py"})
SHALLOW_HINT = (
    "fetch more history (hint: git fetch --deepen=200, or fetch-depth: 0 in actions/checkout)"
)


class VerifySettings(NamedTuple):
    jobs: int = 1
    run_budget_s: float = 1800.0
    cache: Path | None = None
    rerun: bool = True
    python: str = sys.executable


class Range(NamedTuple):
    base: str
    head: str
    spec: str


def resolve_range(root: Path, spec: str | None) -> Range:
    """``BASE..HEAD``, ``BASE`` (to HEAD) or nothing (the merge-base with the default
    branch to HEAD) as two commit ids; a bad range is a :class:`UsageError`."""
    if spec is None:
        branch = default_branch(root)
        if branch is None:
            raise UsageError(
                "no default branch to verify against (hint: name a range, e.g. "
                "`piv verify main..HEAD`)"
            )
        head = _commit(root, "HEAD", "HEAD")
        base = merge_base(root, branch, head)
        if base is None:
            why = "this clone is shallow; " + SHALLOW_HINT if is_shallow(root) else "none found"
            raise UsageError(f"no merge-base of {branch} and HEAD ({why})")
        return Range(base, head, f"{branch}...HEAD")
    base_ref, sep, head_ref = spec.partition("..")
    if sep and head_ref.startswith("."):
        raise UsageError(f"range {spec!r}: use BASE..HEAD (two dots)")
    base = _commit(root, base_ref or "HEAD", spec)
    head = _commit(root, head_ref or "HEAD", spec)
    return Range(base, head, spec)


def _commit(root: Path, ref: str, spec: str) -> str:
    sha = resolve_commit(root, ref)
    if sha is not None:
        return sha
    if is_shallow(root):
        raise UsageError(f"range {spec!r}: {ref!r} is not in this shallow clone; {SHALLOW_HINT}")
    raise UsageError(
        f"range {spec!r}: {ref!r} names no commit here (expected BASE..HEAD, e.g. main..HEAD)"
    )


def range_commits(root: Path, piv: PivConfig, rng: Range) -> tuple[list[Commit], dict[str, str]]:
    """The range's commits with what each changed, and the role of every path involved."""
    logged = first_parent_commits(root, rng.base, rng.head)
    commits: list[Commit] = []
    previous = rng.base
    for entry in logged:
        changes = tuple(Change(s, p) for s, p in commit_changes(root, previous, entry.sha))
        commits.append(Commit(entry.sha, entry.subject, previous, changes, len(entry.parents) > 1))
        previous = entry.sha
    paths = {c.path for commit in commits for c in commit.changes}
    return commits, piv.roles.roles_of(paths)


def _contents(
    root: Path, piv: PivConfig, shas: Sequence[str], roles: dict[str, str]
) -> dict[str, dict[str, str]]:
    contents: dict[str, dict[str, str]] = {}
    for sha in shas:
        blobs = tree_blobs(root, sha)
        roles.update(piv.roles.roles_of(p for p in blobs if p not in roles))
        contents[sha] = {
            p: b for p, b in blobs.items() if p in roles or p.rsplit("/", 1)[-1] in CONFIG_FILES
        }
    return contents


def verify(
    root: Path,
    piv: PivConfig,
    spec: str | None,
    settings: VerifySettings,
    progress: Callable[[str], None] = lambda _: None,
) -> VerifyReport:
    """Replay the range *spec* of the project at *root* and judge it."""
    rng = resolve_range(root, spec)
    commits, roles = range_commits(root, piv, rng)
    if not commits:
        return judge_history(rng.base, rng.head, [], [])
    contents = _contents(root, piv, [rng.base, *(c.sha for c in commits)], roles)
    salt = f"piv {__version__}|policy {piv.rgr.policy}|python {sys.version_info[:2]}"
    steps = plan_steps(rng.base, commits, roles, contents, salt)
    by_sha = {c.sha: c for c in commits}
    with contextlib.ExitStack() as stack:
        cache = None
        if settings.cache is not None:
            cache = stack.enter_context(contextlib.closing(cache_store.open_cache(settings.cache)))
        results = _replay(root, steps, by_sha, settings, cache, roles, progress)
    return judge_history(rng.base, rng.head, commits, results, piv.validate.commit_types)


def _replay(
    root: Path,
    steps: Sequence[Step],
    commits: Mapping[str, Commit],
    settings: VerifySettings,
    cache: sqlite3.Connection | None,
    roles: Mapping[str, str],
    progress: Callable[[str], None],
) -> list[StepResult]:
    results: list[StepResult] = []
    image: bytes | None = None
    todo = list(steps)
    while todo and (todo[0].kind == StepKind.SKIPPED or cache is not None):
        step = todo[0]
        if step.kind == StepKind.SKIPPED:
            results.append(_skipped(step))
        else:
            assert cache is not None
            hit = cache_store.load_step(cache, step.key)
            if hit is None:
                break
            results.append(_result_from_json(hit[0])._replace(cached=True))
            image = hit[1]
            progress(f"{step.kind} {step.sha[:10]}: cached")
        todo.pop(0)
    if not todo:
        return results
    with checkout(root, todo[0].sha) as tree:
        db = tree / LEDGER
        if image is not None:
            cache_store.write_ledger_image(db, image)
        for step in todo:
            if step.kind == StepKind.SKIPPED:
                results.append(_skipped(step))
                continue
            result = _run_step(tree, step, commits, settings, roles)
            progress(
                f"{step.kind} {step.sha[:10]}: {result.phase or result.error} "
                f"({result.seconds:.1f} s)"
            )
            results.append(result)
            if cache is not None and result.error is None and db.exists():
                cache_store.save_step(
                    cache, step.key, _result_to_json(result), cache_store.ledger_image(db)
                )
    return results


def _skipped(step: Step) -> StepResult:
    return StepResult(step.kind, step.sha, "UNCHANGED", "no test or source change", None, {})


def _prepare(tree: Path, step: Step, commits: Mapping[str, Commit]) -> None:
    checkout_detached(tree, step.sha)
    if step.kind != StepKind.REVERT_CHECK:
        return
    parent = commits[step.sha].parent
    restore_paths(tree, parent, [c.path for c in step.restore if c.status != "A"])
    for change in step.restore:
        if change.status == "A":
            (tree / change.path).unlink(missing_ok=True)


def _run_step(
    tree: Path,
    step: Step,
    commits: Mapping[str, Commit],
    settings: VerifySettings,
    roles: Mapping[str, str],
) -> StepResult:
    started = time.perf_counter()
    try:
        _prepare(tree, step, commits)
    except VcsError as exc:
        return _failed(step, str(exc), started)
    before = _last_run_id(tree / LEDGER)
    argv = [
        settings.python,
        "-m",
        "pytest",
        "--piv",
        f"--piv-db={LEDGER.as_posix()}",
        "--piv-rgr-mode=warn",
        "--piv-bench-mode=off",
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
    ]
    argv.append(f"--piv-rgr-reach={_reach_mode(step, commits)}")
    if settings.jobs > 1:
        argv += ["-n", str(settings.jobs)]
    argv += ["--", *step.only] if step.only else []
    done = run_tool(argv, cwd=tree, env=_env(tree), timeout=settings.run_budget_s)
    if done.timed_out:
        return _failed(step, f"the run took longer than {settings.run_budget_s:.0f} s", started)
    run = _read_run(tree / LEDGER, before)
    if run is None:
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        return _failed(
            step, f"pytest exit {done.returncode}, no run recorded: {' / '.join(tail)}", started
        )
    phase, headline, results, violations, inferred = run
    flaky = _rerun(tree, results, settings) if settings.rerun else ()
    return StepResult(
        step.kind,
        step.sha,
        phase,
        headline,
        done.returncode,
        results,
        violations,
        flaky,
        round(time.perf_counter() - started, 3),
        inferred=inferred,
    )


def _reach_mode(step: Step, commits: Mapping[str, Commit]) -> str:
    """Select tests by their recorded reach, except where the run is already narrowed
    (a test-only commit) or a file no reach covers changed (configuration): record only."""
    commit = commits.get(step.sha)
    if step.only or step.kind == StepKind.BASE or commit is None:
        return "record"
    if any(c.path.rsplit("/", 1)[-1] in CONFIG_FILES for c in commit.changes):
        return "record"
    return "select"


def _failed(step: Step, why: str, started: float) -> StepResult:
    seconds = round(time.perf_counter() - started, 3)
    return StepResult(step.kind, step.sha, None, None, None, {}, seconds=seconds, error=why)


def _env(tree: Path) -> dict[str, str]:
    """The environment of a replayed run: the worktree's code first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIV_")}
    paths = [str(tree / "src")] if (tree / "src").is_dir() else []
    paths.append(str(tree))
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _last_run_id(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with contextlib.closing(connect(db, create=False)) as conn:
            runs = ledger.recent_runs(conn, 1)
    except StoreError:
        return 0
    return runs[0].id if runs else 0


def _read_run(
    db: Path, before: int
) -> (
    tuple[
        str | None,
        str | None,
        dict[str, TestResult],
        tuple[tuple[str | None, str], ...],
        int,
    ]
    | None
):
    if not db.exists():
        return None
    with contextlib.closing(connect(db, create=False)) as conn:
        runs = ledger.recent_runs(conn, 1)
        if not runs or runs[0].id <= before:
            return None
        run = runs[0]
        results = {
            n: TestResult(r.outcome, r.verdict, r.red_kind)
            for n, r in ledger.run_results(conn, run.id).items()
        }
        violations = tuple(ledger.run_violations(conn, run.id))
    inferred = run.scope_detail.get("deselected", 0) if run.scope == "reach" else 0
    return run.phase, run.headline, results, violations, int(str(inferred))


_PROOF_VERDICTS = {"red": "failed", "green": "passed"}


def _rerun(
    tree: Path, results: Mapping[str, TestResult], settings: VerifySettings
) -> tuple[str, ...]:
    """Run the tests whose result is a proof (red or green) again: which changed outcome."""
    expected = {
        n: _PROOF_VERDICTS[r.verdict] for n, r in results.items() if r.verdict in _PROOF_VERDICTS
    }
    if not expected:
        return ()
    with tempfile.TemporaryDirectory(prefix="piv-verify-") as scratch:
        target = Path(scratch) / "outcomes.json"
        env = {**_env(tree), "PIV_OUTCOMES_FILE": str(target)}
        argv = [
            settings.python,
            "-m",
            "pytest",
            "-p",
            "no:piv",
            "-p",
            "pytest_piv.plugin.outcomes",
            "-p",
            "no:cacheprovider",
            "-q",
            *sorted(expected),
        ]
        done = run_tool(argv, cwd=tree, env=env, timeout=settings.run_budget_s)
        if done.timed_out or not target.exists():
            return ()
        seen: dict[str, str] = json.loads(target.read_text(encoding="utf-8"))
    return tuple(
        sorted(
            n
            for n, want in expected.items()
            if n in seen and (seen[n] == "failed") != (want == "failed")
        )
    )


def _result_to_json(result: StepResult) -> str:
    data = result._asdict()
    data["results"] = {n: list(r) for n, r in result.results.items()}
    return json.dumps(data, sort_keys=True)


def _result_from_json(text: str) -> StepResult:
    data = json.loads(text)
    data["kind"] = StepKind(data["kind"])
    data["results"] = {n: TestResult(*r) for n, r in data["results"].items()}
    data["violations"] = tuple((n, m) for n, m in data["violations"])
    data["flaky"] = tuple(data["flaky"])
    return StepResult(**data)
