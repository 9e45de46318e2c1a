"""The RGR rules as a table: evidence in, exact verdict out."""

from __future__ import annotations

import pytest

from pytest_piv.rgr.model import FileRecord, Observation, Outcome, Red, RedKind, TestRecord
from pytest_piv.rgr.phase import summarize
from pytest_piv.rgr.rules import (
    Ledger,
    LineCheck,
    TestVerdict,
    Verdict,
    check_changed_lines,
    format_lines,
    judge_test,
)

NODE = "tests/test_a.py::test_a"
ASSERT = Red(RedKind.ASSERTION, "tests/test_a.py", 3, "AssertionError: assert 1 == 2")
IMPORT = Red(RedKind.IMPORT_ERROR, "tests/test_a.py", 1, "ModuleNotFoundError: x")
FIXTURE = Red(RedKind.FIXTURE, "tests/test_a.py", 1, "RuntimeError: db", during="setup")


def obs(
    outcome: Outcome, red: Red | None = None, digest: str = "v1", char: bool = False
) -> Observation:
    return Observation(NODE, outcome, digest, NODE, "f-" + digest, red, char)


def record(
    outcome: Outcome,
    digest: str = "v1",
    valid: bool = False,
    verdict: str | None = None,
    red_run: int | None = None,
) -> TestRecord:
    return TestRecord(
        NODE,
        digest,
        outcome,
        RedKind.ASSERTION if outcome.is_red else None,
        valid,
        1,
        red_run,
        verdict,
    )


SRC = {"src/a.py": "s1"}
FILES = {"src/a.py": FileRecord("src/a.py", "s1", "source", 1, "s1")}


def ledger(rec: TestRecord | None = None, proven: bool = False) -> Ledger:
    proofs = frozenset({(NODE, rec.digest or "")}) if rec and proven else frozenset()
    return Ledger({NODE: rec} if rec else {}, proofs, {}, FILES, True)


@pytest.mark.parametrize(
    ("observed", "before", "proven", "source", "expected"),
    [
        # a new test
        (obs(Outcome.FAILED, ASSERT), None, False, SRC, Verdict.RED),
        (obs(Outcome.ERROR, IMPORT), None, False, SRC, Verdict.RED),
        (obs(Outcome.ERROR, FIXTURE), None, False, SRC, Verdict.WRONG_RED),
        (obs(Outcome.PASSED), None, False, SRC, Verdict.NEVER_RED),
        (obs(Outcome.PASSED, char=True), None, False, SRC, Verdict.CHARACTERIZATION),
        (obs(Outcome.SKIPPED), None, False, SRC, Verdict.SKIPPED),
        (obs(Outcome.XFAILED), None, False, SRC, Verdict.SKIPPED),
        # a known red test
        (
            obs(Outcome.PASSED),
            record(Outcome.FAILED, valid=True, red_run=1),
            True,
            {"src/a.py": "s2"},
            Verdict.GREEN,
        ),
        (
            obs(Outcome.FAILED, ASSERT),
            record(Outcome.FAILED, valid=True, red_run=1),
            True,
            SRC,
            Verdict.STILL_RED,
        ),
        (
            obs(Outcome.PASSED, digest="v2"),
            record(Outcome.FAILED, valid=True, red_run=1),
            True,
            SRC,
            Verdict.EDITED_GREEN,
        ),
        (
            obs(Outcome.PASSED, digest="v2"),
            record(Outcome.FAILED, valid=True, red_run=1),
            True,
            {"src/a.py": "s2"},
            Verdict.NEVER_RED,
        ),
        # a known green test
        (obs(Outcome.PASSED), record(Outcome.PASSED), True, SRC, Verdict.UNCHANGED),
        (obs(Outcome.FAILED, ASSERT), record(Outcome.PASSED), True, SRC, Verdict.REGRESSION),
        (
            obs(Outcome.FAILED, ASSERT),
            record(Outcome.FAILED, verdict="regression"),
            True,
            SRC,
            Verdict.REGRESSION,
        ),
        (obs(Outcome.FAILED, ASSERT, digest="v2"), record(Outcome.PASSED), True, SRC, Verdict.RED),
        (obs(Outcome.PASSED, digest="v2"), record(Outcome.PASSED), True, SRC, Verdict.NEVER_RED),
        # known but never proven: the violation persists
        (obs(Outcome.PASSED), record(Outcome.PASSED), False, SRC, Verdict.NEVER_RED),
    ],
)
def test_judge_test_gives_the_verdict_of_the_rgr_table(
    observed: Observation,
    before: TestRecord | None,
    proven: bool,
    source: dict[str, str],
    expected: Verdict,
) -> None:
    verdict = judge_test(observed, ledger(before, proven), "standard", source)
    assert verdict.verdict is expected


def test_the_never_red_message_says_what_was_seen_and_hints_the_fix() -> None:
    verdict = judge_test(obs(Outcome.PASSED), ledger(), "standard", SRC)
    assert verdict.sentence() == (
        f"{NODE} passed on its first recorded run; RGR needs a failing run first (hint: make "
        "it fail for the right reason first (e.g. stash the code change), mark it "
        "@pytest.mark.piv_characterization if it pins existing behaviour, or "
        f"`piv rgr accept {NODE} --reason ...`; run `piv rgr explain {NODE}`)"
    )


@pytest.mark.parametrize(
    ("policy", "red", "expected"),
    [
        ("strict", IMPORT, Verdict.WRONG_RED),
        ("standard", IMPORT, Verdict.RED),
        ("lenient", FIXTURE, Verdict.RED),
        ("standard", FIXTURE, Verdict.WRONG_RED),
        ("lenient", Red(RedKind.SYNTAX, "t.py", 1, "SyntaxError"), Verdict.WRONG_RED),
    ],
)
def test_the_policy_decides_which_red_kinds_count(policy: str, red: Red, expected: Verdict) -> None:
    assert judge_test(obs(Outcome.ERROR, red), ledger(), policy, SRC).verdict is expected


def test_adoption_records_passing_tests_and_failing_ones_as_failing_before_adoption() -> None:
    empty = Ledger()
    assert judge_test(obs(Outcome.PASSED), empty, "standard", SRC, adopting=True).verdict is (
        Verdict.ADOPTED
    )
    assert (
        judge_test(obs(Outcome.FAILED, ASSERT), empty, "standard", SRC, adopting=True).verdict
        is Verdict.FAILING_AT_ADOPTION
    )


def test_changed_lines_no_test_executed_are_reported_per_file() -> None:
    coverage = {"src/a.py": (frozenset({1, 2, 3, 5}), frozenset({1, 2}))}
    check = check_changed_lines({"src/a.py": {2, 3, 4, 5}}, coverage, full_scope=True)
    assert check.untested == {"src/a.py": (3, 5)}
    assert not check.clean


@pytest.mark.parametrize(
    ("coverage", "full", "reason"),
    [(None, True, "no coverage data"), ({}, False, "a subset run cannot tell")],
)
def test_changed_lines_are_unverified_without_data_or_in_a_subset(
    coverage: dict[str, tuple[frozenset[int], frozenset[int]]] | None, full: bool, reason: str
) -> None:
    check = check_changed_lines({"src/a.py": {1}}, coverage, full_scope=full)
    assert not check.verified
    assert (check.reason or "").startswith(reason)


def test_format_lines_collapses_ranges() -> None:
    assert format_lines([9, 3, 4, 5, 12, 13]) == "3-5, 9, 12-13"
    assert format_lines([]) == ""


def v(nodeid: str, verdict: Verdict) -> TestVerdict:
    return TestVerdict(nodeid, verdict)


@pytest.mark.parametrize(
    ("verdicts", "kwargs", "line"),
    [
        (
            [v("a", Verdict.RED), v("b", Verdict.RED)],
            {},
            "piv: RED — 2 tests fail as expected (a, b): make them pass with the smallest change",
        ),
        (
            [v("a", Verdict.GREEN)],
            {"green_sources": ["src/x.py"]},
            "piv: GREEN — cycle complete: 1 test turned green by src/x.py",
        ),
        (
            [v("a", Verdict.UNCHANGED)],
            {"source_changed": ["src/x.py"]},
            "piv: REFACTOR — 1 source file changed, outcomes unchanged, every changed line "
            "executed",
        ),
        (
            [v("a", Verdict.UNCHANGED)],
            {},
            "piv: UNCHANGED — no test or source change since the last run",
        ),
        (
            [v("a", Verdict.REGRESSION)],
            {},
            "piv: REGRESSION — 1 test that passed before now fails (a)",
        ),
        (
            [v("a", Verdict.ADOPTED)],
            {"adopting": True},
            "piv: ADOPTED — 1 test recorded as the starting point; from now on a new or changed "
            "test must fail before it passes",
        ),
        (
            [v("a", Verdict.RED)],
            {"complete": False},
            "piv: INCOMPLETE — the run was interrupted; 1 test recorded, no cycle completed",
        ),
    ],
)
def test_summarize_names_the_phase_and_the_next_step(
    verdicts: list[TestVerdict], kwargs: dict[str, object], line: str
) -> None:
    args: dict[str, object] = {
        "complete": True,
        "adopting": False,
        "source_changed": [],
        "green_sources": [],
        "line_check": LineCheck(True),
    }
    args.update(kwargs)
    assert summarize(verdicts, **args).line == line  # type: ignore[arg-type]


def test_a_test_failing_before_adoption_is_no_pending_red_while_it_still_fails() -> None:
    before = record(Outcome.FAILED, verdict="failing-before-adoption")
    judged = judge_test(obs(Outcome.FAILED, ASSERT), ledger(before, proven=True), "standard", SRC)
    assert judged.verdict is Verdict.FAILING


def test_a_pending_red_that_still_fails_stays_red() -> None:
    before = record(Outcome.FAILED, valid=True, verdict="red", red_run=1)
    judged = judge_test(obs(Outcome.FAILED, ASSERT), ledger(before, proven=True), "standard", SRC)
    assert judged.verdict is Verdict.STILL_RED


@pytest.mark.parametrize("verdict", ["regression", "failing-before-adoption", "failing"])
def test_a_failing_test_that_passes_again_is_fixed_not_unchanged(verdict: str) -> None:
    before = record(Outcome.FAILED, verdict=verdict, red_run=1)
    judged = judge_test(obs(Outcome.PASSED), ledger(before, proven=True), "standard", SRC)
    assert judged.verdict is Verdict.FIXED


NEVER = TestVerdict("n", Verdict.NEVER_RED, "n passed on its first recorded run")


@pytest.mark.parametrize(
    ("verdicts", "kwargs", "line"),
    [
        (
            [v("a", Verdict.FIXED)],
            {"green_sources": ["src/x.py"]},
            "piv: FIXED — 1 test that failed passes again (a) by src/x.py",
        ),
        (
            [v("a", Verdict.GREEN), NEVER],
            {"green_sources": ["src/x.py"]},
            "piv: GREEN — cycle complete: 1 test turned green by src/x.py; 1 RGR violation",
        ),
        (
            [v("a", Verdict.CHARACTERIZATION)],
            {},
            "piv: ACCEPTED — 1 test accepted as a characterization test (a): pinning existing "
            "behaviour, it may pass without a red run",
        ),
        (
            [v("a", Verdict.WRONG_RED)],
            {},
            "piv: FAILING — 1 test fails for a reason that does not count as red (a): see the note",
        ),
        (
            [v("a", Verdict.WRONG_RED)],
            {"source_changed": ["src/x.py"]},
            "piv: FAILING — 1 test fails for a reason that does not count as red (a): see the note",
        ),
        (
            [v("a", Verdict.UNCHANGED)],
            {"source_changed": ["src/x.py"], "full_scope": False},
            "piv: REFACTOR — 1 source file changed, outcomes unchanged in this subset run; the "
            "next full run judges it",
        ),
        (
            [v("a", Verdict.ADOPTED), v("b", Verdict.FAILING_AT_ADOPTION)],
            {"adopting": True},
            "piv: ADOPTED — 1 test recorded as the starting point, 1 failing before adoption "
            "(b); from now on a new or changed test must fail before it passes",
        ),
        (
            [v("a", Verdict.FAILING)],
            {},
            "piv: UNCHANGED — no test or source change since the last run",
        ),
        (
            [v("a", Verdict.MOVED)],
            {},
            "piv: UNCHANGED — 1 test moved or renamed with its history; no other test or source "
            "change",
        ),
    ],
)
def test_each_phase_line_names_what_happened(
    verdicts: list[TestVerdict], kwargs: dict[str, object], line: str
) -> None:
    args: dict[str, object] = {
        "complete": True,
        "adopting": False,
        "source_changed": [],
        "green_sources": [],
        "line_check": LineCheck(True),
    }
    args.update(kwargs)
    assert summarize(verdicts, **args).line == line  # type: ignore[arg-type]


MOVED_NODE = "tests/unit/test_a.py::test_a"


def moved_ledger(before: TestRecord, proven: bool) -> Ledger:
    proofs = frozenset({(NODE, before.digest or "")}) if proven else frozenset()
    return Ledger({NODE: before}, proofs, {}, FILES, True, {("test_a", "v1"): before})


def moved_obs(outcome: Outcome, red: Red | None = None) -> Observation:
    return Observation(MOVED_NODE, outcome, "v1", MOVED_NODE, "f-v1", red)


@pytest.mark.parametrize(
    ("before", "proven", "observed", "expected"),
    [
        (record(Outcome.PASSED), True, moved_obs(Outcome.PASSED), Verdict.MOVED),
        (record(Outcome.PASSED), False, moved_obs(Outcome.PASSED), Verdict.NEVER_RED),
        (record(Outcome.PASSED), True, moved_obs(Outcome.FAILED, ASSERT), Verdict.REGRESSION),
        (
            record(Outcome.FAILED, valid=True, red_run=1),
            True,
            moved_obs(Outcome.PASSED),
            Verdict.GREEN,
        ),
    ],
)
def test_a_test_moved_with_its_file_keeps_its_history(
    before: TestRecord, proven: bool, observed: Observation, expected: Verdict
) -> None:
    judged = judge_test(observed, moved_ledger(before, proven), "standard", SRC)
    assert judged.verdict is expected


def test_a_moved_test_whose_body_changed_is_a_new_version() -> None:
    changed = moved_obs(Outcome.PASSED)._replace(digest="v2")
    judged = judge_test(changed, moved_ledger(record(Outcome.PASSED), True), "standard", SRC)
    assert judged.verdict is Verdict.NEVER_RED
