"""``pytest.main([...], plugins=[...])`` under ``--piv-profile=cpu``: the profiled re-run
is a new process, so a plugin module travels by name and an object cannot travel at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN_MODULE = """\
import pytest


@pytest.fixture
def answer():
    return 42
"""

TESTS = """\
import time


def spin(seconds):
    end = time.perf_counter() + seconds
    total = 0
    while time.perf_counter() < end:
        for i in range(10_000):
            total += i * i
    return total


def test_answer(answer):
    assert spin(1.0) > 0
    assert answer == 42
"""

RUN = """\
import sys

import pytest

sys.path.insert(0, "plugins")  # the plugin is importable only because of this line
import answerplug


class Answer:
    @pytest.fixture
    def answer(self):
        return 42


plugin = answerplug if sys.argv[1] == "module" else Answer()
args = ["--piv-profile=cpu", "-p", "no:cacheprovider", "test_plug.py"]
sys.exit(pytest.main(args, plugins=[plugin]))
"""


def _run(tmp_path: Path, kind: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "answerplug.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    (tmp_path / "test_plug.py").write_text(TESTS, encoding="utf-8")
    (tmp_path / "run.py").write_text(RUN, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "run.py", kind],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(Path(sys.executable).parent)},
    )


@pytest.mark.slow
def test_a_plugin_module_given_to_pytest_main_reaches_the_profiled_run(tmp_path: Path) -> None:
    done = _run(tmp_path, "module")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "CPU: " in done.stdout
    assert "skipped" not in done.stdout


@pytest.mark.slow
def test_a_plugin_object_given_to_pytest_main_skips_cpu_profiling_in_one_line_and_the_tests_run(
    tmp_path: Path,
) -> None:
    done = _run(tmp_path, "object")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    (line,) = [ln for ln in done.stdout.splitlines() if "cpu profiling skipped" in ln]
    assert line.startswith("piv: cpu profiling skipped: pytest.main(plugins=[...]) was given ")
    assert "Answer" in line
    assert "CPU: " not in done.stdout
