"""``pytest --piv`` with real pytest-benchmark runs: one test per verdict and per note."""

from __future__ import annotations

from array import array

import pytest

from tests.bench.conftest import PYPROJECT, BenchProject

pytestmark = pytest.mark.slow


def test_the_first_run_records_a_baseline_and_says_so(bench_project: BenchProject) -> None:
    # wide: more processes are measured while the fastest two disagree by half of it
    bench_project.wide_threshold()
    result = bench_project.run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "piv bench: 2 benchmarks on machine *: 2 new",
            "*note: no benchmark baseline for machine * yet: this run and 2 fresh processes "
            "are recorded as its baseline and the next run is compared with it",
        ]
    )
    assert bench_project.verdicts() == {"test_a": "new", "test_b": "new"}
    # one process may run fast or slow as a whole: the baseline is measured in three
    assert bench_project.query(
        "SELECT name, COUNT(*) FROM bench_baselines GROUP BY name ORDER BY name"
    ) == [("test_bench.py::test_a", 3), ("test_bench.py::test_b", 3)]


def test_baseline_processes_sets_how_many_processes_measure_a_new_baseline(
    bench_project: BenchProject,
) -> None:
    bench_project.write(
        "pyproject.toml", PYPROJECT + "\n[tool.piv.bench]\nbaseline_processes = 1\n"
    )
    result = bench_project.run()
    result.stdout.fnmatch_lines(
        ["*note: no benchmark baseline for machine * yet: this run is recorded as its*"]
    )
    assert bench_project.query("SELECT COUNT(*) FROM bench_baselines") == [(2,)]


def test_a_threefold_slowdown_fails_the_run_with_the_passed_line_intact(
    bench_project: BenchProject,
) -> None:
    bench_project.run()
    bench_project.factors(a=1.0, b=3.0)
    result = bench_project.run()
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "piv bench: 2 benchmarks on machine *: * regressed*",
            "*regression: test_bench.py::test_b slower by +*, clearing the +*% boundary "
            "of the 10% threshold",
            "*2 passed*",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    assert bench_project.verdicts()["test_b"] == "regressed"
    # the flag survived two fresh processes, one after the other, before the run failed
    remeasured = bench_project.query(
        "SELECT r.id, s.name FROM bench_runs r JOIN bench_samples s ON s.run_id = r.id"
        " WHERE r.source = 'remeasure' AND s.name LIKE '%test_b'"
    )
    assert len(remeasured) == 2


def test_a_threefold_speedup_is_an_improvement(bench_project: BenchProject) -> None:
    bench_project.wide_threshold()
    bench_project.factors(a=1.0, b=5.0)
    bench_project.run()
    bench_project.factors(a=1.0, b=1.0)
    result = bench_project.run("-v")
    assert result.ret == 0
    assert bench_project.verdicts()["test_b"] == "improved"


def test_an_unchanged_benchmark_within_a_wide_configured_threshold_is_unchanged(
    bench_project: BenchProject,
) -> None:
    # one baseline process: the noise is the 3 % prior, so a neighbour slowing the
    # baseline's extra processes on a loaded CI box cannot widen the interval past 200 %
    bench_project.wide_threshold(baseline_processes=1)
    bench_project.run()
    result = bench_project.run("-v")
    assert result.ret == 0
    assert bench_project.verdicts() == {"test_a": "unchanged", "test_b": "unchanged"}
    result.stdout.fnmatch_lines(["*test_bench.py::test_a *200%*unchanged*"])


def test_a_slowdown_a_fresh_process_does_not_confirm_is_not_a_failure(
    bench_project: BenchProject,
) -> None:
    bench_project.wide_threshold()
    bench_project.run()
    # this run is 5x slower; the re-measure in a fresh process is not
    bench_project.factors(a=1.0, b=[5.0, 1.0])
    result = bench_project.run("-v")
    assert result.ret == 0
    assert bench_project.verdicts()["test_b"] in {"unchanged", "inconclusive"}
    assert "regression" not in result.stdout.str()


def test_a_marker_threshold_lets_one_benchmark_slow_down_more(
    bench_project: BenchProject,
) -> None:
    bench_project.wide_threshold()
    bench_project.run()
    bench_project.write(
        "test_bench.py",
        "import pytest\nimport work\n\n\ndef test_a(benchmark):\n"
        '    benchmark(work.spin, int(1500 * work.factor("a")))\n\n\n'
        '@pytest.mark.piv_bench(threshold="400%")\ndef test_b(benchmark):\n'
        '    benchmark(work.spin, int(1500 * work.factor("b")))\n',
    )
    bench_project.factors(a=1.0, b=2.0)
    result = bench_project.run()
    assert result.ret == 0
    assert bench_project.verdicts()["test_b"] != "regressed"
    thresholds = bench_project.query(
        "SELECT name, threshold FROM bench_verdicts WHERE run_id ="
        " (SELECT MAX(id) FROM bench_runs WHERE source = 'pytest')"
    )
    assert sorted(thresholds) == [("test_bench.py::test_a", 2.0), ("test_bench.py::test_b", 4.0)]


def test_a_marker_threshold_that_is_not_a_percentage_fails_that_test(
    bench_project: BenchProject,
) -> None:
    bench_project.write(
        "test_bench.py",
        "import pytest\nimport work\n\n\n@pytest.mark.piv_bench(threshold=0.2)\n"
        "def test_a(benchmark):\n    benchmark(work.spin, 10)\n",
    )
    result = bench_project.run()
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*piv: piv_bench(threshold=...) = 0.2 (test_bench.py::test_a): expected a percentage*"]
    )


def test_a_removed_benchmark_is_missing(bench_project: BenchProject) -> None:
    bench_project.wide_threshold()
    bench_project.run()
    bench_project.write(
        "test_bench.py",
        "import work\n\n\ndef test_a(benchmark):\n"
        '    benchmark(work.spin, int(1500 * work.factor("a")))\n',
    )
    result = bench_project.run()
    assert result.ret == 0
    assert bench_project.verdicts()["test_b"] == "missing"


def test_a_different_fingerprint_gets_its_own_baseline_and_names_the_difference(
    bench_project: BenchProject,
) -> None:
    bench_project.run("--benchmark-timer=time.process_time")
    result = bench_project.run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*note: no benchmark baseline for machine * yet*(the store has a baseline for "
            "machine *, which differs in benchmark.timer: *process_time -> *perf_counter*"
        ]
    )


def test_a_configured_machine_name_replaces_the_fingerprint(bench_project: BenchProject) -> None:
    result = bench_project.run("--piv-bench-machine=ci-large")
    result.stdout.fnmatch_lines(["piv bench: 2 benchmarks on machine ci-large: 2 new"])


def test_benchmark_disable_gives_a_note_and_no_gate(bench_project: BenchProject) -> None:
    result = bench_project.run("--benchmark-disable")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*note: benchmarks ran with --benchmark-disable: nothing was measured or gated"]
    )


def test_without_pytest_benchmark_the_gate_says_so_and_does_not_crash(
    bench_project: BenchProject,
) -> None:
    result = bench_project.pytester.runpytest_subprocess("--piv", "-p", "no:benchmark")

    # the benchmark tests themselves error (no fixture "benchmark"); the gate only explains
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*note: pytest-benchmark is not installed or was disabled*"])
    assert "Traceback" not in result.stdout.str()


def test_a_run_without_benchmark_tests_says_nothing_about_benchmarks(
    bench_project: BenchProject,
) -> None:
    bench_project.write("test_bench.py", "def test_plain():\n    assert True\n")
    for args in ((), ("-p", "no:benchmark"), ("-n", "2"), ("-n", "2", "-p", "no:benchmark")):
        result = bench_project.pytester.runpytest_subprocess("--piv", *args)
        assert result.ret == 0
        assert "piv bench" not in result.stdout.str()
        assert "pytest-benchmark" not in result.stdout.str()


def test_under_xdist_the_gate_explains_that_benchmarks_are_off(
    bench_project: BenchProject,
) -> None:
    result = bench_project.run("-n", "2")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*note: pytest-benchmark turns itself off under xdist*"])


def test_mode_warn_reports_a_regression_without_failing(bench_project: BenchProject) -> None:
    bench_project.run()
    bench_project.factors(a=1.0, b=3.0)
    result = bench_project.run("--piv-bench-mode=warn")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*regression (mode warn): test_bench.py::test_b slower by*"])


def test_a_bad_threshold_in_pyproject_is_a_usage_error(bench_project: BenchProject) -> None:
    bench_project.pytester.makefile(
        ".toml", pyproject='[tool.piv.bench]\nthreshold = 10\n[tool.piv.rgr]\nmode = "off"\n'
    )
    result = bench_project.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*[[]tool.piv.bench[]] threshold = 10 (pyproject.toml): expected a percentage*"]
    )


def test_the_piv_summary_comes_after_pytest_benchmarks_table(bench_project: BenchProject) -> None:
    bench_project.run()
    out = bench_project.run().stdout.str()
    assert "benchmark: 2 tests" in out
    assert out.index("benchmark: 2 tests") < out.index("piv bench: 2 benchmarks")


def test_every_column_of_a_row_comes_from_the_processes_its_change_compares(
    bench_project: BenchProject,
) -> None:
    bench_project.wide_threshold()
    bench_project.run()
    # this process is 5x slower, its fresh re-measures are not: the row shows a re-measure
    bench_project.factors(a=1.0, b=[5.0, 1.0])
    bench_project.run()
    (row,) = bench_project.query(
        "SELECT v.min, v.median, v.ratio FROM bench_verdicts v WHERE v.name LIKE '%test_b'"
        " AND v.run_id = (SELECT MAX(id) FROM bench_runs WHERE source = 'pytest')"
    )
    (first,) = bench_project.query(
        "SELECT s.times FROM bench_samples s WHERE s.name LIKE '%test_b' AND s.run_id ="
        " (SELECT MAX(id) FROM bench_runs WHERE source = 'pytest')"
    )
    current_min, _, ratio = row
    slow_min = min(array("d", first[0]))  # type: ignore[call-overload]
    assert isinstance(current_min, float)
    assert isinstance(ratio, float)
    assert current_min < slow_min / 2
    assert ratio < 2.5


def noisy_baseline(project: BenchProject, *settings: str) -> None:
    """A baseline whose fresh processes ran 8x slower than its first: far too wide to gate."""
    project.write(
        "pyproject.toml", PYPROJECT + "\n[tool.piv.bench]\n" + "".join(f"{s}\n" for s in settings)
    )
    project.factors(a=[1.0, 8.0], b=[1.0, 8.0])
    result = project.run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*note: the baseline of machine *: *too noisy to gate*"])


def test_inconclusive_fail_fails_a_run_whose_benchmarks_stay_inconclusive(
    bench_project: BenchProject,
) -> None:
    noisy_baseline(bench_project, 'inconclusive = "fail"', "escalation_budget = 0")
    bench_project.factors(a=1.0, b=1.0)
    result = bench_project.run()
    assert "inconclusive" in bench_project.verdicts().values()
    assert "regressed" not in bench_project.verdicts().values()
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "piv bench: 2 benchmarks on machine *inconclusive*",
            "*inconclusive (fails the run): test_bench.py::test_* too noisy to gate*",
            "*(to settle it: *",
        ]
    )
    # outside git there is no commit to escalate to: it stays inconclusive and says why
    passing = bench_project.run("--piv-bench-inconclusive=pass", "--piv-bench-escalation-budget=30")
    assert passing.ret == 0
    passing.stdout.fnmatch_lines(
        [
            "*inconclusive: test_bench.py::test_* too noisy to gate*",
            "*note: could not escalate * to an A/B run: no git commit is known for its baseline",
        ]
    )


def test_an_inconclusive_stored_verdict_escalates_to_ab_against_the_baselines_commit(
    git_bench_project: BenchProject,
) -> None:
    noisy_baseline(git_bench_project)
    git_bench_project.factors(a=1.0, b=3.0)
    result = git_bench_project.run()
    assert git_bench_project.verdicts()["test_b"] == "regressed"
    assert git_bench_project.verdicts()["test_a"] != "regressed"
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*regression: test_bench.py::test_b slower by +*(A/B against commit *)",
            "*note: stored mode could not decide 2 benchmarks: measured them against commit *"
            " (A/B, * pairs in *s)*",
        ]
    )


def test_a_stored_regression_that_ab_does_not_confirm_does_not_fail_the_run(
    git_bench_project: BenchProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_bench_project.factors(a=1.0, b=1.0)
    assert git_bench_project.run().ret == 0  # the baseline
    # the whole machine is now 3x slower, on both sides of an A/B: no code changed
    monkeypatch.setenv("BENCH_MACHINE_FACTOR", "3")
    result = git_bench_project.run()
    assert result.ret == 0, result.stdout.str()
    assert "regressed" not in git_bench_project.verdicts().values()
    result.stdout.fnmatch_lines(["*measured them against commit * (A/B, * pairs in *s)*"])


def test_a_stored_regression_stands_when_no_ab_can_run(
    bench_project: BenchProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench_project.factors(a=1.0, b=1.0)
    assert bench_project.run().ret == 0
    monkeypatch.setenv("BENCH_MACHINE_FACTOR", "3")
    result = bench_project.run()
    assert result.ret == 1
    assert "regressed" in bench_project.verdicts().values()
    result.stdout.fnmatch_lines(["*could not escalate * to an A/B run: no git commit is known*"])
