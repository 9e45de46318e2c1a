"""Planning the replay of a range: which runs, in which order, under which keys."""

from __future__ import annotations

from collections.abc import Mapping

from pytest_piv.history.plan import Change, Commit, StepKind, plan_steps

ROLES = {"tests/test_a.py": "test", "src/a.py": "source"}


def _plan(
    commits: list[Commit], contents: Mapping[str, Mapping[str, str]], salt: str = "s"
) -> list[tuple[StepKind, str]]:
    return [(s.kind, s.sha) for s in plan_steps("b", commits, ROLES, contents, salt)]


def _commit(sha: str, parent: str, *paths: str) -> Commit:
    return Commit(sha, f"subject {sha}", parent, tuple(Change("M", p) for p in paths))


CONTENTS = {
    "b": {"tests/test_a.py": "t0", "src/a.py": "s0"},
    "c1": {"tests/test_a.py": "t1", "src/a.py": "s0"},
    "c2": {"tests/test_a.py": "t1", "src/a.py": "s1"},
    "c3": {"tests/test_a.py": "t1", "src/a.py": "s1", "README.md": "r"},
    "c4": {"tests/test_a.py": "t2", "src/a.py": "s2"},
}


def test_a_test_then_code_history_is_one_run_per_commit_after_the_base() -> None:
    commits = [_commit("c1", "b", "tests/test_a.py"), _commit("c2", "c1", "src/a.py")]
    assert _plan(commits, CONTENTS) == [
        (StepKind.BASE, "b"),
        (StepKind.COMMIT, "c1"),
        (StepKind.COMMIT, "c2"),
    ]


def test_a_commit_with_tests_and_code_gets_a_revert_check_before_its_own_run() -> None:
    steps = plan_steps(
        "c3", [_commit("c4", "c3", "tests/test_a.py", "src/a.py")], ROLES, CONTENTS, "s"
    )
    assert [s.kind for s in steps] == [StepKind.BASE, StepKind.REVERT_CHECK, StepKind.COMMIT]
    assert [c.path for c in steps[1].restore] == ["src/a.py"]


def test_a_commit_that_touches_neither_tests_nor_source_is_not_run() -> None:
    commits = [_commit("c3", "c2", "README.md")]
    assert _plan(commits, CONTENTS) == [(StepKind.BASE, "b"), (StepKind.SKIPPED, "c3")]


def test_keys_depend_on_content_and_order_not_on_commit_ids() -> None:
    first = plan_steps("b", [_commit("c1", "b", "tests/test_a.py")], ROLES, CONTENTS, "s")
    renamed = {**CONTENTS, "x1": CONTENTS["c1"]}
    rebased = plan_steps("b", [_commit("x1", "b", "tests/test_a.py")], ROLES, renamed, "s")
    assert [s.key for s in first] == [s.key for s in rebased]


def test_amending_the_last_commit_changes_only_the_last_key() -> None:
    commits = [_commit("c1", "b", "tests/test_a.py"), _commit("c2", "c1", "src/a.py")]
    amended = {**CONTENTS, "c2": {"tests/test_a.py": "t1", "src/a.py": "s9"}}
    before = [s.key for s in plan_steps("b", commits, ROLES, CONTENTS, "s")]
    after = [s.key for s in plan_steps("b", commits, ROLES, amended, "s")]
    assert before[:2] == after[:2]
    assert before[2] != after[2]


def test_another_policy_or_version_gives_other_keys() -> None:
    commits = [_commit("c1", "b", "tests/test_a.py")]
    one = plan_steps("b", commits, ROLES, CONTENTS, "standard")
    other = plan_steps("b", commits, ROLES, CONTENTS, "strict")
    assert {s.key for s in one}.isdisjoint({s.key for s in other})


def test_a_commit_that_only_changes_test_modules_runs_just_them() -> None:
    commits = [_commit("c1", "b", "tests/test_a.py")]
    steps = plan_steps("b", commits, ROLES, CONTENTS, "s")
    assert steps[1].only == ("tests/test_a.py",)


def test_a_commit_that_changes_a_conftest_or_source_runs_the_whole_suite() -> None:
    roles = {**ROLES, "tests/conftest.py": "test"}
    contents = {**CONTENTS, "c1": {**CONTENTS["c1"], "tests/conftest.py": "c"}}
    conftest = [_commit("c1", "b", "tests/test_a.py", "tests/conftest.py")]
    assert plan_steps("b", conftest, roles, contents, "s")[1].only == ()
    both = [_commit("c4", "c3", "tests/test_a.py", "src/a.py")]
    assert all(s.only == () for s in plan_steps("c3", both, ROLES, CONTENTS, "s"))
