"""``piv bench ab --base REF``: base and candidate interleaved in fresh worker processes."""

from __future__ import annotations

import pytest

from pytest_piv.cli import main
from tests.bench.conftest import BenchProject

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
