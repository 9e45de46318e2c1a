"""Choosing the tests a change can affect from each test's recorded reach (pure core)."""

from __future__ import annotations

from pytest_piv.rgr.digests import frame_digest, module_level_digest
from pytest_piv.rgr.reach import (
    Reach,
    changed_functions,
    file_of,
    function_of,
    select_files,
    select_tests,
    should_record,
)

A = "tests/test_a.py::test_a"
A2 = "tests/test_a.py::test_a2[1-2]"
B = "tests/test_b.py::test_b"
C = "tests/test_c.py::test_c"
COLLECTED = [A, A2, B, C]
REACH = {
    A: Reach(frozenset({"src/pkg/a.py"}), passed=True),
    A2: Reach(frozenset({"src/pkg/a.py", "src/pkg/util.py"}), passed=True),
    B: Reach(frozenset({"src/pkg/b.py", "src/pkg/util.py"}), passed=True),
    C: Reach(frozenset(), passed=True),
}


def test_no_recorded_reach_selects_every_test() -> None:
    selection = select_tests(COLLECTED, {"src/pkg/a.py": "source"}, {})
    assert selection.tests is None
    assert selection.everything
    assert selection.reason == "no recorded reach"


def test_a_changed_source_file_selects_only_the_tests_that_reach_it() -> None:
    assert select_tests(COLLECTED, {"src/pkg/a.py": "source"}, REACH).tests == frozenset({A, A2})
    assert select_tests(COLLECTED, {"src/pkg/b.py": "source"}, REACH).tests == frozenset({B})


def test_a_file_shared_by_two_tests_selects_both() -> None:
    assert select_tests(COLLECTED, {"src/pkg/util.py": "source"}, REACH).tests == frozenset({A2, B})


def test_no_change_selects_nothing_known() -> None:
    assert select_tests(COLLECTED, {}, REACH).tests == frozenset()


def test_a_test_whose_reach_is_unknown_is_always_selected() -> None:
    new = "tests/test_d.py::test_new"
    selection = select_tests([*COLLECTED, new], {"src/pkg/b.py": "source"}, REACH)
    assert selection.tests == frozenset({B, new})


def test_a_test_recorded_while_failing_is_always_selected() -> None:
    reach = {**REACH, C: Reach(frozenset(), passed=False)}
    assert select_tests(COLLECTED, {"src/pkg/b.py": "source"}, reach).tests == frozenset({B, C})


def test_a_changed_test_module_selects_all_its_tests() -> None:
    selection = select_tests(COLLECTED, {"tests/test_a.py": "test"}, REACH)
    assert selection.tests == frozenset({A, A2})


def test_a_new_source_file_no_test_reaches_selects_every_test() -> None:
    selection = select_tests(COLLECTED, {"src/pkg/new.py": "source"}, REACH)
    assert selection.tests is None
    assert "src/pkg/new.py is reached by no recorded test" in selection.reason


def test_a_changed_conftest_or_helper_selects_every_test() -> None:
    for path in ("tests/conftest.py", "tests/helpers.py"):
        selection = select_tests(COLLECTED, {path: "test"}, REACH)
        assert selection.tests is None, path
        assert selection.reason.startswith(f"{path} changed")


def test_a_changed_configuration_file_selects_every_test() -> None:
    assert select_tests(COLLECTED, {"pyproject.toml": None}, REACH).tests is None


def test_a_deleted_source_file_selects_the_tests_that_ran_it() -> None:
    # a deletion is a change like any other: the tests that ran the file must run
    assert select_tests(COLLECTED, {"src/pkg/b.py": "source"}, REACH).tests == frozenset({B})


def test_only_collected_tests_are_selected() -> None:
    gone = {**REACH, "tests/test_old.py::test_gone": Reach(frozenset({"src/pkg/a.py"}), True)}
    assert select_tests(COLLECTED, {"src/pkg/a.py": "source"}, gone).tests == frozenset({A, A2})


def test_select_files_names_the_test_files_of_the_selected_tests() -> None:
    files = ["tests/test_a.py", "tests/test_b.py", "tests/test_c.py"]
    assert select_files(files, {"src/pkg/b.py": "source"}, REACH) == ["tests/test_b.py"]
    assert select_files(files, {"src/pkg/util.py": "source"}, REACH) == [
        "tests/test_a.py",
        "tests/test_b.py",
    ]


def test_select_files_runs_a_test_file_with_no_recorded_test() -> None:
    files = ["tests/test_a.py", "tests/test_new.py"]
    assert select_files(files, {"src/pkg/b.py": "source"}, REACH) == ["tests/test_new.py"]


def test_select_files_is_none_when_every_test_must_run() -> None:
    files = ["tests/test_a.py"]
    assert select_files(files, {"src/pkg/new.py": "source"}, REACH) is None
    assert select_files(files, {"src/pkg/a.py": "source"}, {}) is None


def test_a_test_is_recorded_when_unknown_failing_or_its_module_changed() -> None:
    failing = {**REACH, C: Reach(frozenset(), passed=False)}
    assert should_record("tests/test_d.py::test_new", frozenset(), REACH)
    assert should_record(C, frozenset(), failing)
    assert should_record(A, frozenset({"tests/test_a.py"}), REACH)
    assert not should_record(A, frozenset({"tests/test_b.py"}), REACH)


def test_in_a_module_where_only_test_functions_changed_only_those_are_recorded() -> None:
    edited = {"tests/test_a.py": frozenset({A2})}
    assert should_record(A2, frozenset({"tests/test_a.py"}), REACH, edited)
    assert not should_record(A, frozenset({"tests/test_a.py"}), REACH, edited)


def test_the_file_of_a_node_id_drops_the_test_and_its_parameters() -> None:
    assert file_of(A2) == "tests/test_a.py"
    assert file_of("tests/test_a.py") == "tests/test_a.py"


def test_a_module_changed_only_in_test_bodies_selects_only_its_edited_tests() -> None:
    edited = {"tests/test_a.py": frozenset({A2})}
    selection = select_tests(COLLECTED, {"tests/test_a.py": "test"}, REACH, edited)
    assert selection.tests == frozenset({A2})


def test_an_edited_module_still_selects_its_tests_that_reach_a_changed_source() -> None:
    edited = {"tests/test_a.py": frozenset({A2})}
    changed = {"tests/test_a.py": "test", "src/pkg/a.py": "source"}
    assert select_tests(COLLECTED, changed, REACH, edited).tests == frozenset({A, A2})


def test_the_frame_of_a_test_module_leaves_its_test_functions_out() -> None:
    base = "import x\n\n\ndef helper():\n    return 1\n\n\ndef test_a():\n    assert helper()\n"
    body = base.replace("assert helper()", "assert helper() == 1")
    added = base + "\n\nclass TestB:\n    def test_b(self):\n        pass\n"
    decorated = base.replace("def test_a", "@pytest.mark.slow\ndef test_a")
    fixture = base + "\n\nclass TestC:\n    value = 1\n\n    def test_c(self):\n        pass\n"
    helper = base.replace("return 1", "return 2")
    assert frame_digest(body) == frame_digest(base)
    assert frame_digest(added) == frame_digest(base)
    assert frame_digest(decorated) == frame_digest(base)  # the function's full digest tells
    assert frame_digest(fixture) != frame_digest(base)  # a class attribute is shared
    assert frame_digest(helper) != frame_digest(base)
    assert frame_digest("def (") is None


def test_a_source_file_whose_module_level_code_changed_selects_every_test() -> None:
    # C reads nothing through a call, so no reach can say it depends on a.py's data
    selection = select_tests(
        COLLECTED, {"src/pkg/a.py": "source"}, REACH, module_level=frozenset({"src/pkg/a.py"})
    )
    assert selection.tests is None
    assert "src/pkg/a.py" in selection.reason
    assert "module-level" in selection.reason


def test_select_files_runs_every_test_file_when_module_level_code_changed() -> None:
    changed = {"src/pkg/b.py": "source"}
    tests = ["tests/test_a.py", "tests/test_b.py", "tests/test_c.py"]
    assert select_files(tests, changed, REACH, frozenset({"src/pkg/b.py"})) is None


MODULE = (
    "import re\n\nLIMIT = 3\n\n\n@cache\ndef parse(text, flags=0):\n"
    "    return re.sub('a', 'b', text)\n"
    "\n\nclass Box:\n    size = 2\n\n    def grow(self):\n        return self.size + 1\n"
)


def test_only_function_bodies_and_new_functions_leave_the_module_level_code_unchanged() -> None:
    same = module_level_digest(MODULE)
    assert same is not None
    body = MODULE.replace("return self.size + 1", "return self.size + 2")
    added = MODULE + "\n\ndef shrink(box):\n    return box.size - 1\n"
    renamed_arg = MODULE.replace("def parse(text,", "def parse(source,").replace(
        "(text)", "(source)"
    )
    for changed in (body, added, renamed_arg):
        assert module_level_digest(changed) == same, changed


def test_data_imports_defaults_decorators_and_class_attributes_are_module_level_code() -> None:
    same = module_level_digest(MODULE)
    for changed in (
        MODULE.replace("LIMIT = 3", "LIMIT = 4"),
        MODULE.replace("import re", "import re, os"),
        MODULE.replace("flags=0", "flags=1"),
        MODULE.replace("@cache\n", "@lru_cache\n"),
        MODULE.replace("size = 2", "size = 5"),
    ):
        assert module_level_digest(changed) != same, changed
    assert module_level_digest("def broken(:\n") is None


F = "src/pkg/a.py"
BY_FUNCTION = {
    A: Reach(frozenset({F}), passed=True, functions=frozenset({f"{F}::parse"})),
    A2: Reach(frozenset({F}), passed=True, functions=frozenset({f"{F}::Box.grow"})),
    B: Reach(frozenset({F}), passed=True),  # recorded before functions were: file level
    C: Reach(frozenset(), passed=True, functions=frozenset()),
}


def test_a_changed_function_selects_only_the_tests_that_called_it() -> None:
    changed = {F: "source"}
    picked = select_tests(COLLECTED, changed, BY_FUNCTION, functions={F: frozenset({"Box.grow"})})
    assert picked.tests == frozenset({A2, B})


def test_without_known_changed_functions_a_file_change_selects_every_test_reaching_it() -> None:
    assert select_tests(COLLECTED, {F: "source"}, BY_FUNCTION).tests == frozenset({A, A2, B})


def test_the_functions_whose_body_changed_or_that_came_or_went_are_named() -> None:
    body = MODULE.replace("return self.size + 1", "return self.size + 2")
    assert changed_functions({F: (MODULE, body)}) == {F: frozenset({"Box.grow"})}
    added = MODULE + "\n\ndef shrink(box):\n    return box.size - 1\n"
    assert changed_functions({F: (MODULE, added)}) == {F: frozenset({"shrink"})}
    nested = MODULE.replace("return re.sub('a', 'b', text)", "return (lambda: text)()")
    assert changed_functions({F: (MODULE, nested)}) == {F: frozenset({"parse"})}
    assert changed_functions({F: (MODULE, "def broken(:\n")}) == {}


def test_a_code_object_counts_for_the_function_it_is_written_in() -> None:
    assert function_of("parse") == "parse"
    assert function_of("Box.grow.<locals>.<listcomp>") == "Box.grow"
    assert function_of("outer.<locals>.inner.<locals>.<lambda>") == "outer"
