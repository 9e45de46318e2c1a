"""The pure core of `piv report github`: ordering, the per-kind cap, escaping, the size cap."""

from __future__ import annotations

import pytest

from pytest_piv.ghreport.annotations import (
    PER_KIND,
    escape_data,
    escape_property,
    select,
    workflow_command,
)
from pytest_piv.ghreport.gates import read_result
from pytest_piv.ghreport.model import (
    Annotation,
    GateResult,
    MalformedResult,
    Table,
    judged_by_job,
    plain_job,
    skipped,
)
from pytest_piv.ghreport.summary import render


def _error(file: str | None, line: int | None = None, title: str = "t") -> Annotation:
    return Annotation("error", title, "m", file, line)


def test_annotations_on_changed_lines_come_before_those_in_changed_files_and_elsewhere() -> None:
    found = [
        _error(None, title="nowhere"),
        _error("a.py", 3, "untouched file"),
        _error("b.py", 50, "changed file, other line"),
        _error("b.py", 7, "changed line"),
    ]
    shown, rest = select(found, {"b.py": frozenset({7, 8})})
    assert [a.title for a in shown] == [
        "changed line",
        "changed file, other line",
        "nowhere",
        "untouched file",
    ]
    assert rest == []


def test_a_range_touching_one_changed_line_counts_as_on_a_changed_line() -> None:
    spanning = Annotation("warning", "span", "m", "a.py", 10, 20)
    elsewhere = Annotation("warning", "first", "m", "z.py", 1)
    shown, _ = select([elsewhere, spanning], {"a.py": frozenset({15})})
    assert shown[0] is spanning


def test_at_most_ten_annotations_of_each_kind_are_emitted_and_changed_ones_win() -> None:
    errors = [_error("old.py", n, f"old {n}") for n in range(1, 30)]
    errors.append(_error("new.py", 2, "new"))
    notices = [Annotation("notice", f"n{n}", "m") for n in range(3)]
    warnings = [Annotation("warning", f"w{n}", "m") for n in range(12)]
    shown, rest = select([*errors, *notices, *warnings], {"new.py": frozenset({2})})
    kinds = [a.kind for a in shown]
    assert (kinds.count("error"), kinds.count("warning"), kinds.count("notice")) == (
        PER_KIND,
        PER_KIND,
        3,
    )
    assert shown[0].title == "new"
    assert len(rest) == 30 - PER_KIND + 12 - PER_KIND
    assert {a.title for a in rest} >= {"old 29", "w11"}


def test_data_escapes_percent_cr_and_lf_and_properties_also_colon_and_comma() -> None:
    assert escape_data("100% a\r\nb") == "100%25 a%0D%0Ab"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_a_message_cannot_inject_a_workflow_command() -> None:
    hostile = Annotation(
        "error",
        "t\n::add-mask::x",
        "subject\n::set-output name=verdict::pass\r::warning::y",
        "src/a,b:c.py",
        3,
    )
    line = workflow_command(hostile)
    assert "\n" not in line
    assert "\r" not in line
    assert line == (
        "::error file=src/a%2Cb%3Ac.py,line=3,title=t%0A%3A%3Aadd-mask%3A%3Ax"
        "::subject%0A::set-output name=verdict::pass%0D::warning::y"
    )


def test_a_command_names_only_the_properties_it_has() -> None:
    assert workflow_command(Annotation("notice", "", "hello")) == "::notice::hello"
    assert (
        workflow_command(Annotation("warning", "T", "m", "a.py", 4, 9, 2))
        == "::warning file=a.py,line=4,endLine=9,col=2,title=T::m"
    )


def test_the_summary_stays_under_its_cap_and_says_how_many_rows_it_left_out() -> None:
    rows = tuple((f"src/mod{n}.py", "x" * 200) for n in range(20_000))
    big = GateResult("validate", "failed", "many", (Table("Findings", ("where", "msg"), rows),))
    text = render([big, skipped("bench")], [], limit=1024 * 1024)
    assert len(text.encode("utf-8")) <= 1024 * 1024
    shown = text.count("| src/mod")
    assert shown > 100
    assert (
        f"_{20_000 - shown} more rows not shown here, see the artifact `piv-result-validate`._"
        in text
    )
    assert "| bench | ⏭️ skipped |" in text


def test_a_small_cap_keeps_the_overview_and_the_note_of_what_was_cut() -> None:
    rows = tuple((str(n), "y" * 50) for n in range(100))
    gate = GateResult("verify", "failed", "bad", (Table("Commits", ("c", "s"), rows),))
    text = render([gate], [], limit=9000)
    assert len(text.encode("utf-8")) <= 9000
    assert "| verify | ❌ failed | bad |" in text
    assert "more rows not shown here, see the artifact `piv-result-verify`" in text


def test_annotations_beyond_the_cap_are_listed_in_the_summary() -> None:
    rest = [Annotation("error", "piv validate: ruff E1", "too long | x", "a.py", 3)]
    text = render([], rest)
    assert "| error | a.py:3 | piv validate: ruff E1 | too long \\| x |" in text


def test_table_cells_cannot_break_the_table_or_open_html() -> None:
    gate = GateResult("verify", "failed", "h", (Table("Commits", ("s",), (("a|b\n<script>",),)),))
    text = render([gate], [])
    assert "| a\\|b\\n&lt;script&gt; |" in text


VALIDATE = {
    "preset": "minimal",
    "exit_code": 1,
    "steps": [
        {
            "name": "ruff",
            "verdict": "fail",
            "seconds": 0.2,
            "detail": "",
            "findings": [
                {"path": "src/a.py", "line": 3, "col": 1, "code": "F401", "message": "unused"}
            ],
        },
        {"name": "mypy", "verdict": "timeout", "seconds": 9, "detail": "over 5s", "findings": []},
    ],
}


def test_a_failing_validate_step_becomes_an_error_at_its_finding_and_a_timeout_an_error() -> None:
    result = read_result("validate", VALIDATE)
    assert result.status == "failed"
    assert result.annotations == (
        Annotation("error", "piv validate: ruff F401", "unused", "src/a.py", 3, None, 1),
        Annotation("error", "piv validate: mypy timeout", "over 5s"),
    )


def test_uncovered_changed_lines_become_one_annotation_per_range() -> None:
    data = {
        "passed": False,
        "groups": [
            {
                "rule": "(default)",
                "files": 1,
                "lines": {"covered": 1, "total": 4, "percent": "25"},
                "min": "90",
                "status": "FAIL",
                "failures": ["lines 25% is below 90%"],
                "worst_files": [],
            }
        ],
        "diff": {
            "base": "main",
            "passed": False,
            "lines": {"covered": 0, "total": 3, "percent": "0"},
            "min": "80",
            "uncovered": {"src/a.py": [4, 5, 9]},
        },
    }
    result = read_result("coverage", data)
    assert result.status == "failed"
    spans = [(a.kind, a.file, a.line, a.end_line) for a in result.annotations if a.file]
    assert spans == [("error", "src/a.py", 4, 5), ("error", "src/a.py", 9, 9)]
    assert any(a.message == "lines 25% is below 90%" for a in result.annotations)


def test_a_regressed_benchmark_is_an_error_on_its_test_file() -> None:
    data = {
        "machine": "main",
        "counts": {"regressed": 1},
        "benchmarks": [
            {
                "name": "tests/test_speed.py::test_sum",
                "verdict": "regressed",
                "baseline": {"min": 1e-6, "median": 1e-6, "rounds": 5},
                "current": {"min": 2e-6, "median": 2e-6, "rounds": 5},
                "change": {"ratio": 2.0, "low": 1.9, "high": 2.1, "noise": 0.01},
                "reason": "",
            }
        ],
    }
    result = read_result("bench", data)
    assert result.status == "failed"
    assert result.annotations[0].file == "tests/test_speed.py"
    assert "2.000x" in result.annotations[0].message


def test_a_passing_bench_run_passes() -> None:
    assert read_result("bench", {"machine": "m", "benchmarks": []}).status == "passed"


@pytest.mark.parametrize(
    ("gate", "data", "expected"),
    [
        ("coverage", {"groups": []}, "passed: expected true or false"),
        ("validate", {"steps": "x"}, "steps: expected a JSON list"),
        ("verify", [], "the result: expected a JSON object"),
        ("profile", {"run": "r"}, "expected a cpu, mem or skipped section"),
        ("bench", {"benchmarks": [{"change": 3}]}, "change: expected a JSON object"),
    ],
)
def test_a_result_of_the_wrong_shape_is_refused_naming_what_was_expected(
    gate: str, data: object, expected: str
) -> None:
    with pytest.raises(MalformedResult, match="expected the output of") as caught:
        read_result(gate, data)
    assert expected in str(caught.value)


def test_a_profile_skipped_for_lack_of_permission_shows_as_skipped() -> None:
    result = read_result("profile", {"run": "r", "skipped": {"cpu": "ptrace is forbidden"}})
    assert result.status == "skipped"
    assert "ptrace is forbidden" in result.headline


def test_profile_hotspots_in_project_files_become_notices() -> None:
    row = {"function": "slow", "own_share": 0.5, "total_share": 0.6}
    data = {
        "cpu": {
            "samples": 10,
            "seconds": 0.1,
            "by_own": [{**row, "file": "src/a.py"}, {**row, "file": "_pytest/main.py"}],
        }
    }
    result = read_result("profile", data, lambda name: name.startswith("src/"))
    assert [(a.kind, a.file) for a in result.annotations] == [("notice", "src/a.py")]


def test_profile_tables_and_notices_name_each_hotspot_with_its_share_and_place() -> None:
    data = {
        "cpu": {
            "samples": 10,
            "seconds": 0.1,
            "by_own": [{"function": "slow", "file": "src/a.py", "own_share": 0.5,
                        "total_share": 0.75}],
        },
        "mem": {
            "peak": 2048,
            "by_peak": [{"function": "grow", "file": "src/b.py", "line": 7, "bytes": 1024,
                         "allocations": 3}],
        },
    }  # fmt: skip
    result = read_result("profile", data, lambda name: name.startswith("src/"))
    assert result.headline == "cpu: 10 samples over 0.1 s; mem: peak 2048 bytes"
    assert [t.rows for t in result.tables] == [
        (("slow", "src/a.py", "50.0%", "75.0%"),),
        (("grow", "src/b.py:7", "1024", "3"),),
    ]
    assert [(a.title, a.message, a.file, a.line) for a in result.annotations] == [
        ("piv profile: cpu hotspot", "slow: 50.0% of the samples", "src/a.py", None),
        ("piv profile: memory at the peak", "grow: 1024 bytes at the peak", "src/b.py", 7),
    ]


@pytest.mark.parametrize(
    ("job", "status", "words"),
    [
        (None, "skipped", "the job was skipped or switched off"),
        ("skipped", "skipped", "the job was skipped or switched off"),
        ("failure", "failed", "ended in failure before its result"),
        ("cancelled", "failed", "ended in cancelled"),
        ("success", "skipped", "although the job succeeded"),
    ],
)
def test_a_missing_result_is_skipped_unless_its_job_failed(
    job: str | None, status: str, words: str
) -> None:
    result = skipped("coverage", job)
    assert result.status == status
    assert words in result.headline


def test_the_test_shards_show_whether_every_one_passed() -> None:
    assert plain_job("tests", "success").status == "passed"
    assert plain_job("tests", "failure").status == "failed"
    assert plain_job("tests", "skipped").status == "skipped"


def test_the_gate_job_decides_the_status_when_it_is_known() -> None:
    regressed = read_result(
        "bench",
        {"machine": "main", "benchmarks": [{"name": "t", "verdict": "regressed", "change": None}]},
    )
    assert regressed.status == "failed"
    # mode = "warn": the job passed, so the gate did
    warned = judged_by_job(regressed, "success")
    assert warned.status == "passed"
    assert warned.headline.endswith("(the job passed)")
    assert warned.annotations == regressed.annotations
    # inconclusive = "fail": no regression in the JSON, yet the job failed
    clean = read_result("bench", {"machine": "main", "benchmarks": []})
    assert judged_by_job(clean, "failure").status == "failed"
    assert judged_by_job(clean, None) == clean
    assert judged_by_job(skipped("bench"), "failure").status == "skipped"


def test_a_single_finding_is_not_counted_in_the_plural() -> None:
    data = {
        "exit_code": 1,
        "preset": "minimal",
        "steps": [
            {"name": "ruff-check", "verdict": "fail", "seconds": 0.1, "detail": "", "findings": [
                {"path": "a.py", "line": 1, "col": 1, "code": "F401", "message": "unused"}
            ]}
        ],
    }  # fmt: skip
    result = read_result("validate", data)
    assert result.headline == "preset minimal: 1 step, 1 not passed, 1 finding"
