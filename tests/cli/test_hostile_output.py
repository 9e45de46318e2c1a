"""The hostile-output corpus: control characters and newlines in file names, node ids,
failure messages and benchmark names reach the store through real runs, and no renderer
(the plugin's summary, `piv status`, `log`, `rgr explain`, `bench show`/`history`, the
Markdown tables) prints one raw: ANSI, OSC, BEL, backspace, CR and NUL come out escaped."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import Project

pytestmark = pytest.mark.slow

#: a file name that tries to colour the terminal and forge a second `piv:` line
HOSTILE_FILE = "tests/test_evil\x1b[31m\npiv: GREEN — forged.py"
#: a failure message with OSC (window title), screen clear, BEL, backspace, CR, NUL, newline
HOSTILE_MESSAGE = "\\x1b]0;owned\\x07\\x1b[2J\\x08\\rpiv: GREEN forged\\x00\\nsecond line\\x9b"
FAILING = f'\n\ndef test_new():\n    assert 0, "{HOSTILE_MESSAGE}"\n'
BENCH = "\n\ndef test_speed(benchmark):\n    benchmark(sum, range(50))\n"
#: everything a renderer must never print raw (its own newlines excepted)
RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def piv_cli(project: Project, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_piv", *args],
        cwd=project.path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout + done.stderr


def piv_section(output: str) -> list[str]:
    """The lines pytest-piv itself printed: its terminal-summary sections."""
    lines = output.split("\n")
    section: list[str] = []
    inside = False
    for line in lines:
        if re.match(r"^-+ piv( \w+)? -+$", line):
            inside = True
            continue
        if inside and re.match(r"^(=+|-+) .* (=+|-+)$", line):
            inside = False
        if inside:
            section.append(line)
    return section


def assert_inert(text: str) -> None:
    raw = RAW.findall(text)
    assert not raw, f"raw control characters {raw!r} in:\n{text!r}"


@pytest.fixture
def hostile(plain_project: Project) -> Project:
    plain_project.run()
    plain_project.write(HOSTILE_FILE, "")
    plain_project.append(HOSTILE_FILE, FAILING)
    return plain_project


def test_the_plugin_summary_escapes_a_hostile_file_name_and_forges_no_piv_line(
    hostile: Project,
) -> None:
    result = hostile.run()
    section = piv_section(result.stdout.str())
    assert section, result.stdout.str()
    assert_inert("\n".join(section))
    assert [line for line in section if line.startswith("piv:")] == [section[0]]
    assert "\\x1b[31m\\npiv: GREEN — forged.py::test_new" in section[0]


def test_violation_lines_escape_a_hostile_node_id(hostile: Project) -> None:
    hostile.run()
    hostile.append(HOSTILE_FILE, "\n\ndef test_passes_at_once():\n    assert True\n")
    result = hostile.run()
    section = piv_section(result.stdout.str())
    assert_inert("\n".join(section))
    violations = [line for line in section if "violation:" in line]
    assert violations
    assert "forged.py::test_passes_at_once" in violations[0]


def test_the_cli_renders_stored_hostile_text_inert(hostile: Project) -> None:
    hostile.run()
    nodeid = HOSTILE_FILE + "::test_new"
    explained = piv_cli(hostile, "rgr", "explain", nodeid)
    assert_inert(explained)
    assert "\\x1b]0;owned\\x07\\x1b[2J" in explained
    for command in (["status"], ["log"], ["rgr", "explain", nodeid + "x"]):
        assert_inert(piv_cli(hostile, *command))
    accepted = piv_cli(hostile, "rgr", "accept", nodeid, "--reason", "pinned \x1b[2J")
    assert_inert(accepted)


def test_benchmark_renderers_escape_a_hostile_benchmark_name(
    plain_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an outer xdist run must not make the inner pytest think it is a worker
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    plain_project.write(
        "pyproject.toml",
        (plain_project.path / "pyproject.toml").read_text() + '\n[tool.piv.rgr]\nmode = "off"\n',
    )
    plain_project.write(HOSTILE_FILE, BENCH)
    first = plain_project.run()
    second = plain_project.run()
    for result in (first, second):
        assert_inert("\n".join(piv_section(result.stdout.str())))
    shown = piv_cli(plain_project, "bench", "show")
    assert "forged.py::test_speed" in shown
    assert_inert(shown)
    markdown = piv_cli(plain_project, "bench", "show", "--markdown")
    assert_inert(markdown)
    assert all(line.startswith(("|", "#")) for line in markdown.splitlines() if line)
    history = piv_cli(plain_project, "bench", "history", "test_speed")
    assert "forged.py::test_speed" in history
    assert_inert(history)


def test_coverage_renderers_escape_a_hostile_source_file_name(plain_project: Project) -> None:
    module = "evil\x1b]0;title\x07\x1b[2J"
    plain_project.write(
        "pyproject.toml",
        (plain_project.path / "pyproject.toml").read_text()
        + '\n[tool.piv.rgr]\nmode = "off"\n\n[tool.piv.coverage]\nfail_under = 100\n'
        'markdown = "coverage.md"\n',
    )
    plain_project.write(
        f"src/shop/{module}.py", "def f(x):\n    if x:\n        return 1\n    return 2\n"
    )
    plain_project.write(
        "tests/test_evil.py",
        f"import importlib\n\n\ndef test_f():\n"
        f"    assert importlib.import_module({'shop.' + module!r}).f(1) == 1\n",
    )
    result = plain_project.run()
    section = piv_section(result.stdout.str())
    assert any("evil\\x1b]0;title\\x07\\x1b[2J.py" in line for line in section), section
    assert_inert("\n".join(section))
    markdown = (plain_project.path / "coverage.md").read_text(encoding="utf-8")
    assert "`src/shop/evil\\x1b]0;title\\x07\\x1b[2J.py  75.00 %  missing 4`" in markdown
    assert_inert(markdown)
    for command in (
        ["coverage", "check"],
        ["coverage", "check", "--markdown"],
        ["coverage", "files"],
    ):
        output = piv_cli(plain_project, *command)
        assert "evil\\x1b]0;title" in output
        assert_inert(output.replace("\t", " "))
