"""From the replayed runs of a range to the verify report (pure).

The verdicts are the ledger's: each run was judged by ``pytest --piv`` itself. This
module adds what only the history knows: the revert check of a commit that brought tests
and code together, flaky results (never proof), and commit types against phases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from pytest_piv.history.commits import type_mismatch
from pytest_piv.history.plan import Commit, StepKind
from pytest_piv.validate.settings import DEFAULT_COMMIT_TYPES


class TestResult(NamedTuple):
    """One test's result in one replayed run, as the ledger recorded it."""

    outcome: str
    verdict: str | None
    red_kind: str | None = None


TestResult.__test__ = False  # type: ignore[attr-defined]


class StepResult(NamedTuple):
    """What one replayed run showed (or why it could not run)."""

    kind: StepKind
    sha: str
    phase: str | None
    headline: str | None
    exit_code: int | None
    results: Mapping[str, TestResult]
    #: the ledger's violations of the run: (node id or None, sentence)
    violations: tuple[tuple[str | None, str], ...] = ()
    #: tests whose outcome changed when they were run again on the same tree
    flaky: tuple[str, ...] = ()
    seconds: float = 0.0
    cached: bool = False
    error: str | None = None
    #: tests not run because they run nothing that changed (reach): inferred unchanged
    inferred: int = 0


class CommitRow(NamedTuple):
    sha: str
    subject: str
    phase: str
    red: int
    green: int
    verdict: str  # ok, violation, not run, error
    revert_check: str | None
    problems: tuple[str, ...]
    #: tests not run at this commit: they run no file it changed (recorded reach), so
    #: their outcome is inferred unchanged, as the ledger's ``reach`` run records it
    inferred: int = 0


class TestStory(NamedTuple):
    """One test added or changed in the range: where it was red and where it turned green."""

    nodeid: str
    red_at: str | None
    red_kind: str | None
    green_at: str | None
    proof: str  # "red commit", "revert check", "none", "flaky"


TestStory.__test__ = False  # type: ignore[attr-defined]


class VerifyReport(NamedTuple):
    base: str
    head: str
    commits: tuple[CommitRow, ...]
    tests: tuple[TestStory, ...]
    runs: int
    cached: int
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def violations(self) -> list[tuple[str, str]]:
        return [(c.sha, p) for c in self.commits for p in c.problems]

    @property
    def ok(self) -> bool:
        return not self.violations


_RED, _GREEN, _NEVER_RED = "red", "green", "never-red"


def _short(sha: str) -> str:
    return sha[:10]


def judge_history(
    base: str,
    head: str,
    commits: Sequence[Commit],
    steps: Sequence[StepResult],
    commit_types: Mapping[str, Sequence[str]] = DEFAULT_COMMIT_TYPES,
) -> VerifyReport:
    """The report of a replayed range: one row per commit, one story per new test;
    *commit_types* is the phase -> fitting types table of the commit-msg hook."""
    by_commit: dict[str, list[StepResult]] = {}
    for step in steps:
        by_commit.setdefault(step.sha, []).append(step)
    stories: dict[str, TestStory] = {}
    notes: list[str] = []
    base_steps = by_commit.get(base, [])
    if base_steps and base_steps[0].error:
        notes.append(f"the base {_short(base)} could not be run: {base_steps[0].error}")
    reported: set[str] = set()
    rows = [
        _commit_row(c, by_commit.get(c.sha, []), stories, reported, commit_types) for c in commits
    ]
    ran = [s for s in steps if s.kind != StepKind.SKIPPED and not s.error]
    if ran and not any(s.results for s in ran):
        notes.append("no test was collected at any commit of the range: nothing proves RGR")
    pending = sorted(n for n, s in stories.items() if s.green_at is None and s.red_at)
    if pending:
        notes.append(
            f"{len(pending)} test(s) still red at {_short(head)}: " + ", ".join(pending[:5])
        )
    return VerifyReport(
        base=base,
        head=head,
        commits=tuple(rows),
        tests=tuple(stories[n] for n in sorted(stories)),
        runs=sum(1 for s in steps if s.kind != StepKind.SKIPPED and not s.cached),
        cached=sum(1 for s in steps if s.cached),
        seconds=round(sum(s.seconds for s in steps if not s.cached), 3),
        notes=tuple(notes),
    )


def _commit_row(
    commit: Commit,
    steps: Sequence[StepResult],
    stories: dict[str, TestStory],
    reported: set[str],
    commit_types: Mapping[str, Sequence[str]],
) -> CommitRow:
    """One commit's row; *reported* holds the tests already reported as never seen red
    (the ledger repeats that violation on every run until it is resolved)."""
    problems: list[str] = []
    revert_note: str | None = None
    flagged: set[str] = set()
    main = steps[-1] if steps else None
    if main is None or main.kind == StepKind.SKIPPED:
        return CommitRow(commit.sha, commit.subject, "UNCHANGED", 0, 0, "not run", None, ())
    for step in steps:
        if step.error:
            where = "its revert check" if step.kind == StepKind.REVERT_CHECK else "it"
            problems.append(f"pytest could not run {where}: {step.error}")
            continue
        for nodeid in step.flaky:
            flagged.add(nodeid)
            stories[nodeid] = _story(stories, nodeid)._replace(proof="flaky")
            problems.append(
                f"{nodeid} is flaky: its outcome changed when run again on the same tree; "
                "a flaky result is never proof (hint: make the test deterministic)"
            )
        if step.kind == StepKind.REVERT_CHECK:
            revert_note = _revert_check(commit, step, stories, problems, flagged, reported)
        else:
            _commit_results(commit, step, stories, flagged)
            problems.extend(_new_violations(step, flagged, reported))
    phase = main.phase or ("ERROR" if main.error else "-")
    if (
        not main.error
        and not problems
        and (mismatch := type_mismatch(commit.subject, phase, commit_types))
    ):
        problems.append(mismatch)
    reds = sum(1 for r in main.results.values() if r.verdict == _RED)
    greens = sum(1 for r in main.results.values() if r.verdict == _GREEN)
    if revert_note and revert_note.startswith("RED"):
        reds += sum(1 for s in steps[:-1] for r in s.results.values() if r.verdict == _RED)
    verdict = "error" if main.error else ("violation" if problems else "ok")
    return CommitRow(
        commit.sha,
        commit.subject,
        phase,
        reds,
        greens,
        verdict,
        revert_note,
        tuple(problems),
        main.inferred,
    )


def _new_violations(step: StepResult, flagged: set[str], reported: set[str]) -> list[str]:
    out = []
    for recorded, message in step.violations:
        nodeid = recorded or _subject_of(message, step.results)
        if nodeid is not None and nodeid in flagged:
            continue
        result = step.results.get(nodeid) if nodeid is not None else None
        if nodeid is not None and result is not None and result.verdict == _NEVER_RED:
            if nodeid in reported:
                continue
            reported.add(nodeid)
        out.append(message)
    return out


_PER_TEST = frozenset({"never-red", "edited-green", "regression"})


def _subject_of(message: str, results: Mapping[str, TestResult]) -> str | None:
    """The test a ledger violation sentence is about (it starts with the node id)."""
    for nodeid, result in results.items():
        if result.verdict in _PER_TEST and message.startswith(f"{nodeid} "):
            return nodeid
    return None


def _story(stories: Mapping[str, TestStory], nodeid: str) -> TestStory:
    return stories.get(nodeid) or TestStory(nodeid, None, None, None, "none")


def _revert_check(
    commit: Commit,
    step: StepResult,
    stories: dict[str, TestStory],
    problems: list[str],
    flagged: set[str],
    reported: set[str],
) -> str:
    reds = [n for n, r in step.results.items() if r.verdict == _RED]
    for nodeid in reds:
        if nodeid not in flagged:
            kind = step.results[nodeid].red_kind
            stories[nodeid] = _story(stories, nodeid)._replace(
                red_at=commit.sha, red_kind=kind, proof="revert check"
            )
    unproven = [n for n, r in step.results.items() if r.verdict == _NEVER_RED]
    for nodeid in unproven:
        flagged.add(nodeid)
        reported.add(nodeid)
        stories[nodeid] = _story(stories, nodeid)._replace(proof="none")
        problems.append(
            f"{nodeid} passes without the source change of {_short(commit.sha)} (revert "
            "check): it proves nothing (hint: make the test exercise the new behaviour)"
        )
    if unproven:
        return f"{len(unproven)} new test(s) pass without the change"
    return f"RED: {len(reds)} test(s) fail without the change" if reds else "no new test"


def _commit_results(
    commit: Commit, step: StepResult, stories: dict[str, TestStory], flagged: set[str]
) -> None:
    for nodeid, result in step.results.items():
        if nodeid in flagged:
            continue
        if result.verdict == _RED:
            stories[nodeid] = _story(stories, nodeid)._replace(
                red_at=commit.sha, red_kind=result.red_kind, proof="red commit"
            )
        elif result.verdict == _GREEN:
            stories[nodeid] = _story(stories, nodeid)._replace(green_at=commit.sha)
        elif result.verdict == _NEVER_RED:
            stories[nodeid] = _story(stories, nodeid)._replace(proof="none")
