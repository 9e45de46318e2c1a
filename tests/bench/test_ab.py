"""``piv bench ab --base REF``: base and candidate interleaved in fresh worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_piv.baselines.clock import SCHEDSTAT
from pytest_piv.cli import main
from tests.bench.conftest import BenchProject
from tests.conftest import git

pytestmark = pytest.mark.slow


def ab(project: BenchProject, *args: str) -> int:
    return main(["--root", str(project.path), "bench", "ab", "--base", "HEAD", *args])


def test_ab_catches_a_slowdown_in_the_working_tree_and_exits_1(
    git_bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    git_bench_project.factors(a=1.0, b=3.0)
    assert ab(git_bench_project, "--pairs", "3") == 1
    out = capsys.readouterr().out
    assert "piv bench: 2 benchmarks against base machine HEAD: 1 regressed, 1 " in out
    assert "regression: test_bench.py::test_b slower by +" in out


def test_ab_of_an_unchanged_tree_passes_and_reports_json(
    git_bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    git_bench_project.wide_threshold()
    assert ab(git_bench_project, "--pairs", "2", "--json", "--", "-k", "test_a") == 0
    out = capsys.readouterr().out
    assert '"verdict": "unchanged"' in out
    assert "::test_b" not in out


def test_ab_with_an_unknown_ref_is_a_usage_error(
    git_bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(git_bench_project.path), "bench", "ab", "--base", "nope"]) == 2
    assert "--base 'nope' is not a commit" in capsys.readouterr().err


def test_ab_runs_pedantic_benchmarks_with_their_setup(
    git_bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    git_bench_project.write(
        "test_pedantic.py",
        "import work\n\n\ndef test_p(benchmark):\n"
        "    result = benchmark.pedantic(work.spin, setup=lambda: ((300,), {}), rounds=3)\n"
        "    assert result == sum(i * i for i in range(300))\n",
    )
    git(git_bench_project.path, "add", "-A")
    git(git_bench_project.path, "commit", "-qm", "pedantic")
    git_bench_project.wide_threshold()
    assert ab(git_bench_project, "--pairs", "2", "--json", "--", "test_pedantic.py") == 0
    out = capsys.readouterr().out
    assert '"name": "test_pedantic.py::test_p"' in out
    assert '"verdict": "unchanged"' in out


def test_ab_stops_as_soon_as_every_benchmark_is_decided(
    git_bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    git_bench_project.wide_threshold()
    assert ab(git_bench_project, "--pairs", "8", "--json") == 0
    captured = capsys.readouterr()
    assert '"verdict": "regressed"' not in captured.out
    # at most 8 pairs, 16 if a benchmark stays flagged; nothing is, so three are enough
    assert "pair 3/16" in captured.err
    assert "pair 4/16" not in captured.err
    assert "every benchmark decided after 3 pairs" in captured.err


def test_ab_rounds_leave_out_the_time_the_workers_waited_for_a_cpu(
    git_bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path(SCHEDSTAT).exists():
        pytest.skip("needs Linux scheduler statistics")
    git_bench_project.wide_threshold()
    assert ab(git_bench_project, "--pairs", "2", "--", "-k", "test_a") == 0
    assert "rounds timed as wall time less run-queue wait" in capsys.readouterr().err
