"""``piv bench ...`` on a store filled by real ``pytest --piv`` runs: output and exit codes."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from pytest_piv.cli import main
from pytest_piv.store import bench as store
from pytest_piv.store import connect
from tests.bench.conftest import FAST, BenchProject

pytestmark = pytest.mark.slow


def piv(project: BenchProject, *args: str) -> int:
    return main(["--root", str(project.path), "bench", *args])


def test_show_exits_1_after_a_regression_and_0_after_a_clean_run(
    bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    bench_project.run()
    bench_project.factors(a=1.0, b=3.0)
    bench_project.run()
    capsys.readouterr()
    assert piv(bench_project, "show") == 1
    out = capsys.readouterr().out
    assert "test_bench.py::test_b" in out
    assert "regressed" in out
    assert piv(bench_project, "show", "--run", "1") == 0


def test_show_renders_json_and_markdown(
    bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    bench_project.run()
    bench_project.run()
    capsys.readouterr()
    piv(bench_project, "show", "--json")
    data = json.loads(capsys.readouterr().out)
    assert {b["name"] for b in data["benchmarks"]} == {
        "test_bench.py::test_a",
        "test_bench.py::test_b",
    }
    assert set(data["benchmarks"][0]) >= {"baseline", "current", "change", "threshold", "verdict"}
    piv(bench_project, "show", "--markdown")
    markdown = capsys.readouterr().out
    assert markdown.startswith("### Benchmarks of run ")
    assert "| `test_bench.py::test_a` |" in markdown


def test_without_a_store_commands_are_usage_errors(
    bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    assert piv(bench_project, "show") == 2
    assert "no piv store yet" in capsys.readouterr().err


def test_history_shows_every_run_and_marks_the_baseline(
    bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    bench_project.wide_threshold()
    bench_project.run()
    bench_project.run()
    capsys.readouterr()
    assert piv(bench_project, "history", "test_a") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "test_bench.py::test_a"
    # the first run and the two fresh processes that measured the baseline with it
    assert lines[1].startswith(" *run    1")
    assert lines[2].startswith(" *run    2")
    assert lines[2].endswith("baseline")
    assert lines[3].startswith(" *run    3")
    assert lines[3].endswith("baseline")
    assert lines[4].startswith("  run    4")
    assert piv(bench_project, "history", "test_") == 2
    assert "matches several benchmarks" in capsys.readouterr().err


def test_baseline_save_measures_a_new_baseline_in_fresh_processes(
    bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    bench_project.wide_threshold()
    bench_project.run()
    bench_project.factors(a=1.0, b=3.0)
    bench_project.run()
    assert piv(bench_project, "baseline", "save", "--", *FAST) == 0
    out = capsys.readouterr().out
    assert "measured in 3 fresh processes" in out
    # never the one run that happened to be last: three fresh processes, kept as one baseline
    assert bench_project.query(
        "SELECT COUNT(DISTINCT b.run_id) FROM bench_baselines b"
        " JOIN bench_runs r ON r.id = b.run_id WHERE r.source = 'baseline'"
    ) == [(3,)]
    assert bench_project.query("SELECT COUNT(*) FROM bench_baselines WHERE run_id = 4") == [(0,)]
    assert bench_project.run().ret == 0
    assert bench_project.verdicts()["test_b"] != "regressed"


def test_baseline_save_refuses_a_baseline_whose_processes_disagree_and_keeps_the_old_one(
    bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    bench_project.run()
    before = bench_project.query(
        "SELECT machine, name, run_id FROM bench_baselines ORDER BY 1, 2, 3"
    )
    # every fresh process twice as slow as the one before: no two agree
    bench_project.factors(a=1.0, b=[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0])
    assert piv(bench_project, "baseline", "save", "--", *FAST) == 1
    err = capsys.readouterr().err
    assert "piv: baseline not saved: " in err
    # test_b's processes disagree by design; test_a may be named too on a busy machine
    assert "test_bench.py::test_b is too noisy to gate" in err
    assert "hint:" in err
    assert (
        bench_project.query("SELECT machine, name, run_id FROM bench_baselines ORDER BY 1, 2, 3")
        == before
    )
    bench_project.factors(a=1.0, b=[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0])
    assert piv(bench_project, "baseline", "save", "--force", "--", *FAST) == 0
    assert "saved although too noisy" in capsys.readouterr().out


def test_baseline_save_of_chosen_runs_flags_a_single_run(
    bench_project: BenchProject, capsys: pytest.CaptureFixture[str]
) -> None:
    bench_project.wide_threshold()
    bench_project.run()
    bench_project.run()
    assert piv(bench_project, "baseline", "save", "--run", "4") == 0
    out = capsys.readouterr().out
    assert "is now run 4 for 2 benchmark(s)" in out
    assert "one process" in out
    assert bench_project.query("SELECT DISTINCT run_id FROM bench_baselines") == [(4,)]


def test_an_exported_baseline_imports_into_a_fresh_store_and_gates_there(
    bench_project: BenchProject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench_project.wide_threshold()
    bench_project.run("--piv-bench-machine=ci")
    exported = tmp_path / "baseline.json"
    assert piv(bench_project, "export", str(exported)) == 0
    data = json.loads(exported.read_text())
    assert data["machine"] == "ci"
    assert list(data["benchmarks"]) == ["test_bench.py::test_a", "test_bench.py::test_b"]
    (bench_project.path / ".piv" / "piv.db").unlink()
    assert piv(bench_project, "import", str(exported)) == 0
    assert "imported 2 benchmark baselines for machine ci" in capsys.readouterr().out
    bench_project.factors(a=5.0, b=1.0)
    result = bench_project.run("--piv-bench-machine=ci")
    assert result.ret == 1
    verdicts = bench_project.verdicts()
    assert verdicts["test_a"] == "regressed"
    # unchanged code: never a regression, though a loaded CI box may leave it inconclusive
    assert verdicts["test_b"] in {"unchanged", "inconclusive"}


def test_importing_a_file_that_is_not_a_baseline_is_a_usage_error(
    bench_project: BenchProject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    assert piv(bench_project, "import", str(bad)) == 2
    assert "not a pytest-piv benchmark baseline" in capsys.readouterr().err


def test_show_exits_1_for_an_inconclusive_benchmark_only_with_inconclusive_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.piv.rgr]\nmode = 'off'\n")
    with contextlib.closing(connect(tmp_path / ".piv" / "piv.db")) as conn:
        run_id = store.record_run(
            conn, store.NewRun("m", "{}"), {"t.py::test_x": store.Samples(1, (1e-3, 2e-3))}
        )
        reason = "too noisy to gate: change +2.0% [-20.0%, +30.0%] is uncertain"
        row = store.VerdictRow("t.py::test_x", "inconclusive", 0.1, 1.02, 0.8, 1.3, reason)
        store.record_verdicts(conn, run_id, [row])
    show = ["--root", str(tmp_path), "bench", "show"]
    assert main(show) == 0
    assert "(to settle it: an interleaved A/B run" in capsys.readouterr().out
    monkeypatch.setenv("PIV_BENCH_INCONCLUSIVE", "fail")
    assert main(show) == 1
    assert "inconclusive (fails the run): t.py::test_x" in capsys.readouterr().out
