"""The commit hooks' rules: the RGR commit gate and the commit-message corpus."""

from __future__ import annotations

import pytest

from pytest_piv.paths import FileRoles
from pytest_piv.store.ledger import RunRow
from pytest_piv.validate.commit_gate import (
    check_message,
    evidence,
    parse_header,
    rgr_gate,
    staged_tree_id,
)
from pytest_piv.validate.settings import DEFAULT_COMMIT_TYPES
from pytest_piv.vcs import TreeState


def run(run_id: int, phase: str, status: str = "complete") -> RunRow:
    return RunRow(run_id, 0.0, 1.0, status, 0, "full", {}, None, "enforce", "standard", 0,
                  phase, "headline", 1)  # fmt: skip


# (message, phase of the staged run, accepted, start of the rejection)
CORPUS = [
    ("test: a discount for two items", "RED", True, ""),
    ("test(cart): a discount for two items", "RED", True, ""),
    ("feat: discounts", "RED", False, "piv-commit-msg: the staged change was RED in run 7, so"
     " the commit is 'test:', not 'feat:' (hint: git commit -m \"test: discounts\")"),
    ("fix: discounts", "RED", False, "piv-commit-msg: the staged change was RED"),
    ("refactor: discounts", "RED", False, "piv-commit-msg: the staged change was RED"),
    ("feat: discounts", "GREEN", True, ""),
    ("fix(cart)!: rounding", "GREEN", True, ""),
    ("test: discounts", "GREEN", False, "piv-commit-msg: the staged change was GREEN in run 7,"
     " so the commit is 'feat:' or 'fix:', not 'test:'"),
    ("refactor: discounts", "GREEN", False, "piv-commit-msg: the staged change was GREEN"),
    ("refactor: split the cart", "REFACTOR", True, ""),
    ("feat: split the cart", "REFACTOR", False, "piv-commit-msg: the staged change was REFACTOR"),
    ("docs: the discount rules", None, True, ""),
    ("chore: bump ruff", None, True, ""),
    ("feat: anything", "ADOPTED", True, ""),
    ("Merge branch 'main' into topic", "RED", True, ""),
    ('Revert "feat: discounts"', "GREEN", True, ""),
    ("fixup! feat: discounts", "RED", True, ""),
    ("squash! test: discounts", "GREEN", True, ""),
    ("amend! test: discounts", "GREEN", True, ""),
    ("# Please enter the commit message\n\ntest: after a comment\n", "RED", True, ""),
    ("", "RED", True, ""),
    ("add discounts", None, False, "piv-commit-msg: 'add discounts' is not a conventional"
     " commit (expected 'type(scope): subject', e.g. 'feat: add a discount')"),
    ("feat:discounts", None, False, "piv-commit-msg: 'feat:discounts' is not a conventional"),
    ("feat(): discounts", None, False, "piv-commit-msg: 'feat(): discounts' is not"),
    ("feature: discounts", None, False, "piv-commit-msg: type 'feature' is not a"
     " conventional-commit type (expected one of feat, fix, test"),
    ("FEAT: discounts", "GREEN", True, ""),
]  # fmt: skip


@pytest.mark.parametrize(("message", "phase", "accepted", "why"), CORPUS)
def test_commit_message_corpus(message: str, phase: str | None, accepted: bool, why: str) -> None:
    verdict = check_message(message, phase, DEFAULT_COMMIT_TYPES, run_id=7)
    assert verdict.ok is accepted
    if not accepted:
        assert verdict.message.startswith(why)
        assert "\n" not in verdict.message


def test_the_type_map_is_configurable() -> None:
    types = {**DEFAULT_COMMIT_TYPES, "GREEN": ("feat", "fix", "perf")}
    assert check_message("perf: faster totals", "GREEN", types).ok
    assert not check_message("perf: faster totals", "GREEN", DEFAULT_COMMIT_TYPES).ok


def test_a_header_parses_into_type_scope_breaking_and_subject() -> None:
    header = parse_header("feat(api)!: drop v1")
    assert header is not None
    assert header._asdict() == {
        "type": "feat", "scope": "api", "breaking": True, "subject": "drop v1"
    }  # fmt: skip


def test_the_staged_tree_id_is_the_tree_id_of_a_run_on_the_same_test_and_source_files() -> None:
    roles = FileRoles(tests=("tests/*.py",), source=("src/**/*.py",), exclude=())
    blobs = {"src/a.py": "1" * 40, "tests/t.py": "2" * 40, "README.md": "3" * 40}
    files = {"src/a.py": "1" * 40, "tests/t.py": "2" * 40}
    state = TreeState(files, {"src/a.py": "source", "tests/t.py": "test"}, "abc", True)
    assert staged_tree_id(blobs, roles) == state.tree_id


@pytest.mark.parametrize(
    ("runs", "chosen"),
    [
        ([], None),
        ([run(3, "UNCHANGED"), run(2, "GREEN")], 2),
        ([run(3, "UNCHANGED")], 3),
        ([run(4, "RED", "incomplete"), run(2, "GREEN")], 2),
        ([run(4, "INCOMPLETE", "incomplete")], None),
    ],
)
def test_the_evidence_is_the_newest_complete_run_that_judged_the_tree(
    runs: list[RunRow], chosen: int | None
) -> None:
    found = evidence(runs)
    assert (found.id if found else None) == chosen


@pytest.mark.parametrize(
    ("phase", "ok"),
    [("RED", True), ("GREEN", True), ("REFACTOR", True), ("VIOLATION", False),
     ("REGRESSION", False)],
)  # fmt: skip
def test_the_commit_gate_rejects_a_violation_or_a_regression(phase: str, ok: bool) -> None:
    verdict = rgr_gate(run(5, phase), touches_code=True)
    assert verdict.ok is ok
    if not ok:
        assert verdict.message.startswith(
            f"piv-rgr: the staged files were run in run 5 with phase {phase}"
        )


def test_the_commit_gate_rejects_staged_code_no_run_has_seen_and_passes_no_code() -> None:
    assert rgr_gate(None, touches_code=True).message == (
        "piv-rgr: the staged test and source files match no complete `pytest --piv` run"
        " (hint: run `pytest --piv` on exactly what you stage, then commit)"
    )
    assert not rgr_gate(None, touches_code=True).ok
    assert rgr_gate(None, touches_code=False).ok
