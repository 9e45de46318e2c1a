"""``piv checkpoint``, in order: snapshot → validate → secret scan → commit → tag.

The snapshot comes first and always stays; every later step that fails leaves it in place
and says so. :func:`run_checkpoint` returns an :class:`Outcome` with the exit code; the
click command only prints it.

Exit codes: 0 committed, 1 validation failed or a hook refused the commit, 2 usage error,
4 a tool (ruff, detect-secrets, git) failed or is missing, 5 a secret was found, 6 nothing
to checkpoint.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pytest_piv import gitplumbing as git
from pytest_piv.checkpoints import secrets
from pytest_piv.checkpoints.commit import (
    RUNNING_ENV,
    WIP_PREFIX,
    Committed,
    HookRefusedError,
    commit_on_branch,
    commit_wip,
)
from pytest_piv.checkpoints.listing import list_checkpoints
from pytest_piv.checkpoints.model import Checkpoint, format_message, tag_name
from pytest_piv.checkpoints.progress import Progress, read_progress
from pytest_piv.checkpoints.snapshot import Snapshot, current_branch, rewrite, take_snapshot
from pytest_piv.checkpoints.validation import ValidationSummary, validate
from pytest_piv.errors import VcsError
from pytest_piv.paths import FileRoles
from pytest_piv.tools import ToolMissingError

EXIT_COMMITTED = 0
EXIT_VALIDATION = 1
EXIT_USAGE = 2
EXIT_TOOL = 4
EXIT_SECRET = 5
EXIT_NOTHING = 6


@dataclass(frozen=True)
class Options:
    message: str = ""
    validate: bool = True
    preset: str | None = None  # None: the configured [tool.piv.validate] preset
    budget: float = 600.0
    wip: bool = False
    tag: bool = True
    verify: bool = True
    db: Path = Path(".piv/piv.db")
    #: exit 0 instead of 6 when there is nothing to checkpoint (for hooks)
    if_changed: bool = False
    #: checkpoint only when the last run's phase is this one, once per run (for hooks)
    on_phase: str | None = None
    #: the project's test files, for the ``piv_feature`` progress (None: no features)
    roles: FileRoles | None = None


@dataclass(frozen=True)
class Outcome:
    code: int
    lines: tuple[str, ...]
    checkpoint: Checkpoint | None = None
    validation: ValidationSummary | None = None
    findings: tuple[secrets.Finding, ...] = ()
    committed: Committed | None = None
    tag: str | None = None
    progress: Progress = field(default_factory=Progress)

    def as_json(self) -> dict[str, object]:
        return {
            "exit_code": self.code,
            "messages": list(self.lines),
            "checkpoint": self.checkpoint.as_json() if self.checkpoint else None,
            "validation": self.validation.as_json() if self.validation else None,
            "secrets": [
                {"path": f.path, "line": f.line, "detector": f.detector} for f in self.findings
            ],
            "commit": self.committed.commit if self.committed else None,
            "onto": self.committed.onto if self.committed else None,
            "tag": self.tag,
            "progress": self.progress.as_json(),
        }


Validator = Callable[[Path, str | None, float], ValidationSummary]


def run_checkpoint(root: Path, options: Options, validator: Validator = validate) -> Outcome:
    """Checkpoint the work tree at *root*; see the module docstring for the steps."""
    if os.environ.get(RUNNING_ENV):
        return Outcome(EXIT_COMMITTED, ("checkpoint skipped: already inside a checkpoint",))
    repo = git.open_repo(root, options.db)
    progress = read_progress(options.db, root, options.roles)
    skip = _skip_for_phase(repo, options, progress)
    if skip:
        return Outcome(EXIT_COMMITTED, (f"checkpoint skipped: {skip}",), progress=progress)
    snapshot = take_snapshot(
        repo,
        subject="piv checkpoint {number} of {branch}",
        trailers=_trailers(options, progress, "pending"),
        skip_unchanged=True,
        skip_tree=_wip_tree(repo) if options.wip else None,
    )
    if snapshot is None:
        code = EXIT_COMMITTED if options.if_changed else EXIT_NOTHING
        where = "HEAD or the last wip commit" if options.wip else "HEAD"
        return Outcome(code, (f"nothing to checkpoint: the work tree equals {where}",))
    return _after_snapshot(repo, root, snapshot, options, validator, progress)


def _wip_tree(repo: git.Repo) -> str | None:
    tip = git.resolve(repo, f"{WIP_PREFIX}{current_branch(repo)}")
    return git.tree_of(repo, tip) if tip else None


def _skip_for_phase(repo: git.Repo, options: Options, progress: Progress) -> str | None:
    """Why ``--on-phase`` skips this checkpoint, or None."""
    if not options.on_phase:
        return None
    if (progress.phase or "").upper() != options.on_phase.upper():
        return f"the last run's phase is {progress.phase or 'unknown'}, not {options.on_phase}"
    branch = current_branch(repo)
    mine = [c for c in list_checkpoints(repo) if c.branch == branch]
    if mine and progress.run is not None and mine[-1].trailers.get("Piv-Run") == str(progress.run):
        return f"run {progress.run} has a checkpoint already ({mine[-1].id})"
    return None


def _trailers(options: Options, progress: Progress, validation: str) -> dict[str, str]:
    found = {"Piv-Kind": "checkpoint", "Piv-Phase": progress.phase or "unknown"}
    if progress.run is not None:
        found["Piv-Run"] = str(progress.run)
    if options.message:
        found["Piv-Message"] = " ".join(options.message.split())
    found["Piv-Validation"] = validation
    return found


def _after_snapshot(
    repo: git.Repo,
    root: Path,
    snapshot: Snapshot,
    options: Options,
    validator: Validator,
    progress: Progress,
) -> Outcome:
    checkpoint = snapshot.checkpoint
    kept = f"snapshot {checkpoint.id} kept ({checkpoint.ref})"

    def settle(extra: dict[str, str], validation: ValidationSummary) -> Checkpoint:
        trailers = {**checkpoint.trailers, "Piv-Phase": progress.phase or "unknown",
                    "Piv-Validation": validation.trailer, **extra}  # fmt: skip
        if progress.run is not None:
            trailers["Piv-Run"] = str(progress.run)
        body = "\n".join([*validation.lines(), "", *progress.lines()])
        return rewrite(repo, checkpoint, format_message(checkpoint.subject, body, trailers))

    summary = ValidationSummary(skipped=True)
    if options.validate:
        try:
            summary = validator(root, options.preset, options.budget)
        except ToolMissingError as exc:
            settled = settle({"Piv-Validation": "error"}, summary)
            return Outcome(EXIT_TOOL, (f"{exc}; {kept}",), settled, progress=progress)
        progress = read_progress(
            options.db, root, options.roles
        )  # the validation's own run is the newest
    try:
        base = snapshot.head_tree or git.empty_tree(repo)
        findings = tuple(secrets.scan_tree(repo, snapshot.tree, base))
    except (ToolMissingError, secrets.ScanError) as exc:
        settled = settle({}, summary)
        return Outcome(EXIT_TOOL, (f"{exc}; {kept}",), settled, summary, progress=progress)
    if findings:
        settled = settle({"Piv-Secrets": f"{len(findings)} found"}, summary)
        lines = tuple(
            [f"secret found: {finding} (detect-secrets)" for finding in findings]
            + [f"commit blocked by {len(findings)} possible secrets; {kept}",
               "hint: remove them, or audit them into .secrets.baseline"]
        )  # fmt: skip
        return Outcome(EXIT_SECRET, lines, settled, summary, findings, progress=progress)
    if not summary.ok:
        settled = settle({}, summary)
        lines = (*summary.lines(), f"validation failed: nothing committed; {kept}")
        return Outcome(EXIT_VALIDATION, lines, settled, summary, progress=progress)
    busy = git.in_progress(repo)
    if busy and not options.wip:
        settled = settle({}, summary)
        line = f"{busy} is in progress: nothing committed (finish it, or use --wip); {kept}"
        return Outcome(EXIT_USAGE, (line,), settled, summary, progress=progress)
    message = commit_message(checkpoint.number, options, summary, progress, checkpoint.ref)
    try:
        committer = commit_wip if options.wip else commit_on_branch
        committed = committer(repo, snapshot, message, options.verify)
    except HookRefusedError as exc:
        settled = settle({}, summary)
        return Outcome(EXIT_VALIDATION, (str(exc),), settled, summary, progress=progress)
    except VcsError as exc:  # e.g. another git process holds the index lock
        settled = settle({}, summary)
        return Outcome(EXIT_TOOL, (f"{exc}; {kept}",), settled, summary, progress=progress)
    tag = tag_name(checkpoint.branch, checkpoint.number) if options.tag else None
    if tag:
        git.tag(repo, tag, committed.commit, message)
    settled = settle({"Piv-Commit": committed.commit}, summary)
    said = [f"checkpoint {checkpoint.id}: committed {committed.commit[:12]} on {committed.onto}"]
    if tag:
        said.append(f"tagged {tag}")
    if committed.rewritten_by_hook:
        said.append("note: a hook changed files while committing; the snapshot holds the tree "
                     "before it")  # fmt: skip
    return Outcome(EXIT_COMMITTED, tuple(said), settled, summary, (), committed, tag, progress)


def commit_message(
    number: int,
    options: Options,
    summary: ValidationSummary,
    progress: Progress,
    snapshot: str,
) -> str:
    """A conventional subject typed by the RGR phase, a body and ``Piv-*`` trailers."""
    text = " ".join(options.message.split()) or f"checkpoint {number}"
    subject = f"{progress.commit_type}: {text}"
    body = "\n".join([*summary.lines(), "", *progress.lines()])
    trailers = {
        "Piv-Checkpoint": str(number),
        "Piv-Phase": progress.phase or "unknown",
        "Piv-Validation": summary.trailer,
        "Piv-Snapshot": snapshot,
    }
    return format_message(subject, body, trailers)
