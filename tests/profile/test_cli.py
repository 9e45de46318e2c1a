"""``piv profile cpu|mem|show``: real py-spy and memray runs of small programs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROGRAM = """\
import sys
import time


def churn(seconds):
    # a second of work however fast the machine: the sampler sees it even when it starts
    # late on a loaded machine
    total = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for i in range(10_000):
            total += i * i
    return total


def hoard():
    return [bytearray(10_000) for _ in range(2_000)]


churn(1.0)
kept = hoard()
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""


def piv(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_piv", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(Path(sys.executable).parent), "NO_COLOR": "1"},
    )


@pytest.fixture
def program(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.piv.profile]\ntop = 2\n", encoding="utf-8")
    (tmp_path / "prog.py").write_text(PROGRAM, encoding="utf-8")
    return tmp_path


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout[done.stdout.index("{") :])


@pytest.mark.slow
def test_piv_profile_cpu_names_the_hot_function_and_keeps_both_artifacts(program: Path) -> None:
    done = piv(program, "profile", "cpu", "--json", "--", sys.executable, "prog.py")
    assert done.returncode == 0, done.stderr
    data = _json(done)
    assert data["cpu"]["by_own"][0]["function"] == "churn"
    assert len(data["cpu"]["by_own"]) == 2
    for path in data["artifacts"].values():
        assert (program / path).is_file()


@pytest.mark.slow
def test_piv_profile_cpu_fails_when_the_profiled_command_fails(program: Path) -> None:
    done = piv(program, "profile", "cpu", "--", sys.executable, "prog.py", "3")
    assert done.returncode == 1
    assert "CPU: " in done.stdout


@pytest.mark.slow
def test_piv_profile_mem_names_the_hoarding_site_in_a_self_contained_page(program: Path) -> None:
    done = piv(program, "profile", "mem", "--json", "--", "python", "prog.py")
    assert done.returncode == 0, done.stderr
    data = _json(done)
    assert data["mem"]["by_peak"][0]["function"] == "<listcomp>"
    assert data["mem"]["by_peak"][0]["file"] == "prog.py"
    page = (program / data["artifacts"]["memory flame graph"]).read_text(encoding="utf-8")
    assert "<script src=" not in page


def test_piv_profile_without_a_command_is_a_usage_error(program: Path) -> None:
    done = piv(program, "profile", "cpu")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "piv: error: no command to profile (hint: piv profile cpu -- pytest -q)"
    )


def test_piv_profile_show_before_any_profile_is_a_usage_error(program: Path) -> None:
    done = piv(program, "profile", "show")
    assert done.returncode == 2
    assert "no profile yet" in done.stderr


@pytest.mark.slow
def test_piv_profile_show_renders_the_last_profile_as_markdown(program: Path) -> None:
    assert piv(program, "profile", "cpu", "--", sys.executable, "prog.py").returncode == 0
    done = piv(program, "profile", "show", "--markdown")
    assert done.returncode == 0
    assert "| own | total | function | file |" in done.stdout
    assert "| `churn` | `prog.py` |" in done.stdout
    listed = piv(program, "profile", "show", "--list")
    assert listed.stdout.split() == [next((program / ".piv" / "profiles").iterdir()).name, "cpu"]


def test_a_missing_py_spy_runs_the_command_unprofiled_with_the_fix(program: Path) -> None:
    (program / "pyproject.toml").write_text(
        '[tool.piv.profile]\npy_spy = "no-such-py-spy"\n', encoding="utf-8"
    )
    done = piv(program, "profile", "cpu", "--", sys.executable, "prog.py")
    assert done.returncode == 0
    assert done.stderr.strip() == (
        "piv: cpu profiling skipped: no-such-py-spy is not installed"
        " (hint: pip install 'pytest-piv[profile]')"
    )


@pytest.mark.slow
def test_a_pytest_piv_run_under_piv_profile_cpu_feeds_no_benchmark_baseline(
    program: Path,
) -> None:
    (program / "pyproject.toml").write_text('[tool.piv.rgr]\nmode = "off"\n', encoding="utf-8")
    (program / "test_speed.py").write_text(
        "def test_speed(benchmark):\n    benchmark(sum, range(100))\n", encoding="utf-8"
    )
    command = [sys.executable, "-m", "pytest", "--piv", "-p", "no:cacheprovider", "test_speed.py"]
    done = piv(program, "profile", "cpu", "--", *command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CPU: " in done.stdout
    assert not (program / ".piv" / "piv.db").exists()  # nothing recorded: no gate ran
    # the same run unprofiled records its benchmark
    # (without this suite's own xdist variables, or the child would think it is a worker)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    plain = subprocess.run(
        command, cwd=program, capture_output=True, text=True, check=False, env=env
    )
    assert plain.returncode == 0, plain.stdout
    with sqlite3.connect(program / ".piv" / "piv.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM bench_runs").fetchone()[0] > 0
