"""``pytest --piv-profile``: real py-spy and memray runs in pytester projects."""

from __future__ import annotations

import json

import pytest

from tests.profile.conftest import ProfProject

XDIST = pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["no-xdist", "xdist"])


def test_help_lists_the_profile_flag(prof_project: ProfProject) -> None:
    result = prof_project.run("--help")
    result.stdout.fnmatch_lines(["*--piv-profile=WHAT*"])


def test_an_unknown_profile_mode_is_a_one_line_usage_error(prof_project: ProfProject) -> None:
    result = prof_project.run("--piv-profile=gpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "ERROR: piv: profile.mode = 'gpu' (flag --piv-profile): "
        'expected one of "off", "cpu", "mem", "both"'
    ) in result.stderr.str()


def test_a_bad_memory_budget_is_a_usage_error_naming_the_key(prof_project: ProfProject) -> None:
    prof_project.configure('test_max_memory = "twenty"\n')
    result = prof_project.run("--piv-profile=mem")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "ERROR: piv: [tool.piv.profile] test_max_memory = 'twenty' (pyproject.toml): "
        'expected a size such as "100 MB" or "20 MiB"'
    ) in result.stderr.str()


@pytest.mark.slow
@XDIST
def test_cpu_profiling_runs_pytest_under_py_spy_and_names_the_hot_test_function(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    result = prof_project.run("--piv-profile=cpu", *xdist)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*3 passed*", "*piv profile*", "CPU: * samples, *"])
    cpu = prof_project.report()["cpu"]
    assert "spin" in [row["function"] for row in cpu["by_own"]]
    assert cpu["processes"] >= (3 if xdist else 1)
    run = prof_project.runs()[-1]
    assert json.loads((run / "cpu.speedscope.json").read_text())["profiles"]
    assert (run / "cpu.svg").read_text().startswith("<svg")
    result.stdout.fnmatch_lines([f"cpu flame graph: .piv/profiles/{run.name}/cpu.svg"])


@pytest.mark.slow
def test_cpu_profiling_keeps_the_exit_code_of_a_failing_run(prof_project: ProfProject) -> None:
    prof_project.write("test_fail.py", "def test_fails():\n    assert False\n")
    result = prof_project.run("--piv-profile=cpu", "test_fail.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 failed*", "CPU: * samples, *"])


@XDIST
def test_a_missing_py_spy_skips_cpu_profiling_with_the_fix_and_the_tests_still_run(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    prof_project.configure('py_spy = "no-such-py-spy"\n')
    result = prof_project.run("--piv-profile=cpu", "-k", "light", *xdist)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*piv profile*",
            "piv: cpu profiling skipped: no-such-py-spy is not installed"
            " (hint: pip install 'pytest-piv[profile]')",
        ]
    )
    result.stdout.fnmatch_lines(["*1 passed*"])


@pytest.mark.slow
@XDIST
def test_memory_profiling_names_the_hungry_site_and_keeps_a_self_contained_flame_graph(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    result = prof_project.run("--piv-profile=mem", *xdist)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["memory: peak *", "at the peak*", "*<listcomp>  test_work.py:18"])
    mem = prof_project.report()["mem"]
    assert mem["by_peak"][0]["function"] == "<listcomp>"
    assert mem["tests"]["test_work.py::test_hungry"]["peak"] > 25_000_000
    html = prof_project.runs()[-1] / "mem-1.html"
    text = html.read_text(encoding="utf-8")
    assert "<script src=" not in text
    assert not list((prof_project.runs()[-1] / "captures").iterdir())


@pytest.mark.slow
@XDIST
def test_a_test_over_its_memory_budget_fails_the_run_after_a_fresh_re_measurement(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    prof_project.configure('test_max_memory = "10 MB"\n')
    result = prof_project.run("--piv-profile=mem", *xdist)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "piv: test_work.py::test_hungry: peak memory * (re-measured in a fresh process: *)"
            " is over the budget 10.0 MB + 10%"
        ]
    )
    assert prof_project.budgets() == {
        ("test_work.py::test_hot", "peak"): "ok",
        ("test_work.py::test_hungry", "peak"): "over",
        ("test_work.py::test_light", "peak"): "ok",
    }


@pytest.mark.slow
def test_a_marker_raises_one_test_s_budget_and_the_run_passes(prof_project: ProfProject) -> None:
    prof_project.configure('test_max_memory = "10 MB"\n')
    prof_project.write(
        "test_work.py",
        (prof_project.path / "test_work.py")
        .read_text()
        .replace("def test_hungry", '@pytest.mark.piv_memory(limit="60 MB")\ndef test_hungry'),
    )
    result = prof_project.run("--piv-profile=mem", "--strict-markers")
    assert result.ret == pytest.ExitCode.OK
    assert prof_project.budgets()[("test_work.py::test_hungry", "peak")] == "ok"


@pytest.mark.slow
def test_a_test_over_budget_once_only_passes_after_its_re_measurement(
    prof_project: ProfProject,
) -> None:
    prof_project.configure('test_max_memory = "10 MB"\n')
    prof_project.write(
        "test_once.py",
        "import pathlib\n\n\ndef test_big_the_first_time():\n"
        "    seen = pathlib.Path(__file__).with_name('seen')\n"
        "    blocks = 3_000 if not seen.exists() else 10\n"
        "    seen.touch()\n"
        "    assert [bytearray(10_000) for _ in range(blocks)]\n",
    )
    result = prof_project.run("--piv-profile=mem", "test_once.py")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*was over 10.0 MB + 10% once only; not failed"])
    assert prof_project.budgets() == {("test_once.py::test_big_the_first_time", "peak"): "flaky"}


#: a test that holds about 200 MB of resident memory while it runs (every page written);
#: ``ONCE`` only on its first run in this project (a re-measurement holds 1 MB)
BIG = """\
import pathlib


def test_big():
    seen = pathlib.Path(__file__).with_name("seen")
    size = 1_000_000 if ONCE and seen.exists() else 200_000_000
    seen.touch()
    block = b"x" * size
    assert len(block) == size
"""


def _session_project(prof_project: ProfProject, budget: str, *, once: bool) -> None:
    prof_project.configure(f'max_memory = "{budget}"\n')
    prof_project.write("test_big.py", f"ONCE = {once}\n" + BIG)


@pytest.mark.slow
@XDIST
def test_the_session_budget_gates_the_peak_of_the_whole_run(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    prof_project.configure('max_memory = "10 GB"\n')
    assert prof_project.run("--piv-profile=mem", "-k", "light", *xdist).ret == pytest.ExitCode.OK
    prof_project.configure('max_memory = "5 MB"\n')
    result = prof_project.run("--piv-profile=mem", "-k", "light", *xdist)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "piv: the test session: session peak * (re-measured in a fresh process: *)"
            " is over the budget 5.0 MB*"
        ]
    )


@pytest.mark.slow
@XDIST
def test_a_session_over_its_peak_budget_is_re_measured_and_fails_when_it_is_over_again(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    _session_project(prof_project, "180 MB", once=False)
    result = prof_project.run("--piv-profile=mem", "test_big.py", *xdist)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    (session,) = [b for b in prof_project.report()["budgets"] if b["kind"] == "session"]
    assert session["verdict"] == "over"
    assert session["remeasured"] > 180_000_000


@pytest.mark.slow
@XDIST
def test_a_session_over_its_peak_budget_once_only_passes_after_its_re_measurement(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    _session_project(prof_project, "180 MB", once=True)
    result = prof_project.run("--piv-profile=mem", "test_big.py", *xdist)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["piv: the test session: session peak *once only; not failed"])
    (session,) = [b for b in prof_project.report()["budgets"] if b["kind"] == "session"]
    assert session["verdict"] == "flaky"
    assert session["measured"] > 180_000_000 > session["remeasured"]


@pytest.mark.slow
def test_a_session_within_its_peak_budget_is_not_re_measured(prof_project: ProfProject) -> None:
    _session_project(prof_project, "2 GB", once=False)
    result = prof_project.run("--piv-profile=mem", "test_big.py")
    assert result.ret == pytest.ExitCode.OK
    (session,) = [b for b in prof_project.report()["budgets"] if b["kind"] == "session"]
    assert (session["verdict"], session["remeasured"]) == ("ok", None)


@pytest.mark.slow
def test_the_leak_check_fails_a_test_that_keeps_its_memory(prof_project: ProfProject) -> None:
    prof_project.configure('max_leak = "5 MB"\n')
    prof_project.write(
        "test_leak.py",
        "HOARD = []\n\n\ndef test_keeps():\n"
        "    HOARD.extend(bytearray(10_000) for _ in range(2_000))\n\n\n"
        "def test_frees():\n"
        "    assert len([bytearray(10_000) for _ in range(2_000)]) == 2000\n",
    )
    result = prof_project.run("--piv-profile=mem", "test_leak.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert prof_project.budgets() == {
        ("test_leak.py::test_frees", "leak"): "ok",
        ("test_leak.py::test_keeps", "leak"): "over",
    }


@pytest.mark.slow
def test_per_test_peaks_go_into_the_store_and_a_profiled_run_feeds_no_benchmark_baseline(
    prof_project: ProfProject,
) -> None:
    prof_project.configure('test_max_memory = "100 MB"\n')
    prof_project.write(
        "pyproject.toml",
        (prof_project.path / "pyproject.toml").read_text() + '[tool.piv.rgr]\nmode = "off"\n',
    )
    prof_project.write(
        "test_bench.py", "def test_speed(benchmark):\n    benchmark(sum, range(100))\n"
    )
    result = prof_project.run("--piv", "--piv-profile=mem")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["piv: profiling memory into *(the benchmark gate is off*"])
    peaks = dict(prof_project.query("SELECT nodeid, verdict FROM memory_peaks"))
    assert peaks["test_work.py::test_hungry"] == "ok"
    assert prof_project.query("SELECT COUNT(*) FROM bench_runs") == [(0,)]


@XDIST
def test_a_missing_memray_skips_memory_profiling_and_the_tests_still_run(
    prof_project: ProfProject, xdist: tuple[str, ...]
) -> None:
    # memray is installed here; a conftest hides it the way an absent package looks
    prof_project.write("conftest.py", "import sys\nsys.modules['memray'] = None\n")
    result = prof_project.run("--piv-profile=mem", "-k", "light", *xdist)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*piv profile*",
            "piv: memory profiling skipped: memray is not installed"
            " (hint: pip install 'pytest-piv[profile]')",
        ]
    )


@pytest.mark.slow
def test_a_peak_that_grew_past_its_last_recorded_peak_fails_and_names_the_growing_site(
    prof_project: ProfProject,
) -> None:
    prof_project.configure('max_growth = "20%"\n')
    first = prof_project.run("--piv-profile=mem", "-k", "hungry")
    assert first.ret == pytest.ExitCode.OK
    again = prof_project.run("--piv-profile=mem", "-k", "hungry")
    assert again.ret == pytest.ExitCode.OK
    assert prof_project.budgets() == {("test_work.py::test_hungry", "growth"): "ok"}
    source = (prof_project.path / "test_work.py").read_text()
    prof_project.write("test_work.py", source.replace("3_000", "4_000"))
    grown = prof_project.run("--piv-profile=mem", "-k", "hungry")
    assert grown.ret == pytest.ExitCode.TESTS_FAILED
    grown.stdout.fnmatch_lines(
        [
            "piv: test_work.py::test_hungry: peak memory * is over the budget its last recorded"
            " peak 30.* MB + 20%",
            "piv: test_work.py::test_hungry: allocation sites that grew since *:"
            " <listcomp> test_work.py:18 +10.* MB",
        ]
    )


@pytest.mark.slow
def test_a_unittest_test_case_is_measured_too(prof_project: ProfProject) -> None:
    prof_project.configure('test_max_memory = "10 MB"\n')
    prof_project.write(
        "test_case.py",
        "import unittest\n\n\nclass Hungry(unittest.TestCase):\n"
        "    def test_hoards(self):\n"
        "        self.assertTrue([bytearray(10_000) for _ in range(2_000)])\n",
    )
    result = prof_project.run("--piv-profile=mem", "test_case.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert prof_project.budgets() == {("test_case.py::Hungry::test_hoards", "peak"): "over"}
