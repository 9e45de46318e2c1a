"""Red-Green-Refactor as a state machine over runs: evidence in, verdicts out.

Nothing here touches pytest, git or the store; the same functions serve the plugin,
the CLI and the commit gate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import NamedTuple

from pytest_piv.rgr.model import (
    EMPTY,
    GREEN_OUTCOMES,
    RED_OUTCOMES,
    FileRecord,
    Observation,
    Outcome,
    TestRecord,
    is_valid_red,
)


class Verdict(StrEnum):
    ADOPTED = "adopted"
    RED = "red"
    STILL_RED = "still-red"
    WRONG_RED = "wrong-red"
    GREEN = "green"
    NEVER_RED = "never-red"
    EDITED_GREEN = "edited-green"
    CHARACTERIZATION = "characterization"
    REGRESSION = "regression"
    UNCHANGED = "unchanged"
    FAILING = "failing"
    #: failing when the project was adopted: reported once, judged again when it passes
    FAILING_AT_ADOPTION = "failing-before-adoption"
    #: a test that failed (a regression, or failing since before adoption) passes again
    FIXED = "fixed"
    #: a known test under a new node id (its file moved or renamed), its digest unchanged
    MOVED = "moved"
    SKIPPED = "skipped"


NOT_RUN_OUTCOMES = frozenset({Outcome.SKIPPED, Outcome.XFAILED})
VIOLATIONS = frozenset({Verdict.NEVER_RED, Verdict.EDITED_GREEN, Verdict.REGRESSION})
PENDING_RED = frozenset({Verdict.RED, Verdict.STILL_RED})


class Ledger(NamedTuple):
    """What was known before this run."""

    tests: Mapping[str, TestRecord] = EMPTY
    proofs: frozenset[tuple[str, str]] = frozenset()
    collection_reds: Mapping[str, int] = EMPTY
    files: Mapping[str, FileRecord] = EMPTY
    adopted: bool = False
    #: tests of test files that are gone, by (node id after the file, body digest): a
    #: test found under a new file with the same digest is the same test, moved
    moved: Mapping[tuple[str, str], TestRecord] = EMPTY

    def moved_from(self, obs: Observation) -> TestRecord | None:
        """The record of the test *obs* was before its file was moved or renamed."""
        if not self.moved or obs.nodeid in self.tests:
            return None
        return self.moved.get((obs.nodeid.partition("::")[2], obs.digest))

    def is_proven(self, obs: Observation) -> bool:
        return (obs.nodeid, obs.digest) in self.proofs or (
            obs.func_key,
            obs.full_digest,
        ) in self.proofs

    def source_changed_since(self, run_id: int, current: Mapping[str, str]) -> list[str]:
        """Source files that changed after *run_id*, including changes not yet recorded."""
        changed = {
            path
            for path, rec in self.files.items()
            if rec.role == "source" and rec.since_run > run_id
        }
        changed.update(source_changed_now(self.files, current))
        return sorted(changed)


def source_changed_now(files: Mapping[str, FileRecord], current: Mapping[str, str]) -> list[str]:
    """Source files added, changed or deleted since the ledger last saw them."""
    changed = [p for p, d in current.items() if (rec := files.get(p)) is None or rec.digest != d]
    changed += [
        p for p, rec in files.items() if rec.role == "source" and rec.digest and p not in current
    ]
    return sorted(changed)


class TestVerdict(NamedTuple):
    nodeid: str
    verdict: Verdict
    message: str | None = None
    hint: str | None = None

    @property
    def is_violation(self) -> bool:
        return self.verdict in VIOLATIONS

    def sentence(self) -> str:
        text = self.message or f"{self.nodeid}: {self.verdict}"
        return f"{text} (hint: {self.hint})" if self.hint else text


# named Test*, but not a test class for pytest to collect
TestVerdict.__test__ = False  # type: ignore[attr-defined]


def _explain(nodeid: str) -> str:
    return f"run `piv rgr explain {nodeid}`"


def judge_test(
    obs: Observation,
    ledger: Ledger,
    policy: str,
    current_source: Mapping[str, str],
    *,
    adopting: bool = False,
) -> TestVerdict:
    """The verdict of one test in this run, given the ledger before it."""
    nodeid = obs.nodeid
    prev = ledger.tests.get(nodeid)
    moved = ledger.moved_from(obs) if prev is None and ledger.moved else None
    if moved is not None:  # its file was moved or renamed: its history comes along
        prev = moved
    if obs.outcome in NOT_RUN_OUTCOMES:
        return TestVerdict(nodeid, Verdict.SKIPPED)
    valid = obs.red is not None and is_valid_red(obs.red.kind, policy)
    if adopting:
        if obs.outcome in GREEN_OUTCOMES:
            return TestVerdict(nodeid, Verdict.ADOPTED)
        return TestVerdict(nodeid, Verdict.FAILING_AT_ADOPTION)

    changed = prev is None or prev.digest != obs.digest
    proven = ledger.is_proven(obs) or (
        moved is not None and (moved.nodeid, obs.digest) in ledger.proofs
    )

    if obs.outcome in RED_OUTCOMES:
        red = obs.red
        if changed or not proven:
            if valid:
                return TestVerdict(nodeid, Verdict.RED)
            kind = red.kind if red else "unknown"
            where = f" at {red.where()}" if red else ""
            return TestVerdict(
                nodeid,
                Verdict.WRONG_RED,
                f"{nodeid} fails, but for a reason the {policy} policy does not count as red: "
                f"{kind} ({red.message if red else 'no details'}{where})",
                "make it fail on the behaviour you are about to build, e.g. an assert on the "
                "result; " + _explain(nodeid),
            )
        regressed = prev is not None and prev.verdict == Verdict.REGRESSION.value
        if prev is not None and (prev.outcome in GREEN_OUTCOMES or regressed):
            detail = f"{red.message} at {red.where()}" if red else "no details"
            return TestVerdict(
                nodeid,
                Verdict.REGRESSION,
                f"{nodeid} passed before and now fails ({detail}) although the test did not change",
                "the last source change broke it; fix the code or revert the change",
            )
        # still failing: a pending red stays one; any other failure is no red of a cycle
        still_red = valid and prev is not None and prev.valid_red
        return TestVerdict(nodeid, Verdict.STILL_RED if still_red else Verdict.FAILING)

    # the test passes
    if proven and not changed:
        was_red = prev is not None and prev.outcome in RED_OUTCOMES and prev.valid_red
        if was_red or (prev is None and obs.func_key in ledger.collection_reds):
            return TestVerdict(nodeid, Verdict.GREEN)
        if prev is not None and prev.outcome in RED_OUTCOMES:
            return TestVerdict(nodeid, Verdict.FIXED)
        return TestVerdict(nodeid, Verdict.MOVED if moved else Verdict.UNCHANGED)
    if proven:
        was_red = prev is not None and prev.outcome in RED_OUTCOMES
        return TestVerdict(nodeid, Verdict.GREEN if was_red else Verdict.UNCHANGED)
    if obs.characterization:
        return TestVerdict(nodeid, Verdict.CHARACTERIZATION)
    was_red = prev is not None and prev.valid_red and prev.outcome in RED_OUTCOMES
    if was_red and prev is not None and prev.red_run_id is not None:  # noqa: SIM102
        if not ledger.source_changed_since(prev.red_run_id, current_source):
            return TestVerdict(
                nodeid,
                Verdict.EDITED_GREEN,
                f"{nodeid} was red and now passes, but only the test changed: no source file "
                "changed since it failed",
                "a red test is made green by the code under test, not by editing the test; "
                "revert the test edit and change the code",
            )
    if prev is None:
        message = f"{nodeid} passed on its first recorded run; RGR needs a failing run first"
    elif prev.digest == obs.digest:
        message = f"{nodeid} passes but has still never been seen failing"
    else:
        message = f"{nodeid} changed and passed at once; the new version was never seen failing"
    return TestVerdict(
        nodeid,
        Verdict.NEVER_RED,
        message,
        "make it fail for the right reason first (e.g. stash the code change), mark it "
        "@pytest.mark.piv_characterization if it pins existing behaviour, or "
        f"`piv rgr accept {nodeid} --reason ...`; " + _explain(nodeid),
    )


class LineCheck(NamedTuple):
    """Changed source lines against the coverage of the run."""

    verified: bool
    reason: str | None = None
    untested: Mapping[str, tuple[int, ...]] = EMPTY
    changed_files: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return self.verified and not self.untested


Coverage = Mapping[str, tuple[frozenset[int], frozenset[int]]]


def check_changed_lines(
    changed_lines: Mapping[str, Iterable[int]],
    coverage: Coverage | None,
    *,
    full_scope: bool,
) -> LineCheck:
    """Which changed executable lines no test executed.

    *coverage* maps a path to (statements, executed lines); ``None`` means no coverage data.
    """
    files = tuple(sorted(changed_lines))
    if not files:
        return LineCheck(True, changed_files=files)
    if coverage is None:
        return LineCheck(False, "no coverage data", changed_files=files)
    if not full_scope:
        return LineCheck(False, "a subset run cannot tell which lines no test executes", {}, files)
    untested: dict[str, tuple[int, ...]] = {}
    for path in files:
        lines = set(changed_lines[path])
        measured = coverage.get(path)
        if measured is None:
            if lines:
                untested[path] = tuple(sorted(lines))
            continue
        statements, executed = measured
        missing = sorted((lines & statements) - executed)
        if missing:
            untested[path] = tuple(missing)
    return LineCheck(True, None, untested, files)


def format_lines(lines: Iterable[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3-5, 9"``."""
    ordered = sorted(set(lines))
    spans: list[str] = []
    start = prev = None
    for n in ordered:
        if start is None:
            start = prev = n
        elif prev is not None and n == prev + 1:
            prev = n
        else:
            spans.append(f"{start}-{prev}" if start != prev else f"{start}")
            start = prev = n
    if start is not None:
        spans.append(f"{start}-{prev}" if start != prev else f"{start}")
    return ", ".join(spans)
