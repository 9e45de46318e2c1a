"""The profiling domain: units, settings, real py-spy and memray captures into tables."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_piv.errors import ConfigError
from pytest_piv.profiling import memray_backend, pyspy
from pytest_piv.profiling.budgets import MemoryCheck
from pytest_piv.profiling.cpu import CpuProfile, ProfileFormatError, parse_speedscope, share_diff
from pytest_piv.profiling.flamegraph import render_svg
from pytest_piv.profiling.memory import site_diff
from pytest_piv.profiling.permissions import Host, probe_blocker, pyspy_blocker
from pytest_piv.profiling.settings import (
    ProfileSettings,
    parse_marker_limit,
    parse_profile_table,
)
from pytest_piv.report import profile as report
from pytest_piv.values import parse_bytes, parse_seconds

PROGRAM = """\
def leaf_{tag}(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def middle_{tag}(n):
    return leaf_{tag}(n)


def cheap(n):
    return sum(range(n))


for _ in range(3):
    middle_{tag}({work})
    cheap(1000)
"""


def _record(
    tmp_path: Path, tag: str, work: int, *, blocking: bool = True, rate: int = 250
) -> CpuProfile:
    script = tmp_path / f"prog_{tag}.py"
    script.write_text(PROGRAM.format(tag=tag, work=work), encoding="utf-8")
    out = tmp_path / tag
    assert pyspy.record([sys.executable, str(script)], out, rate=rate, blocking=blocking) == 0
    return pyspy.load(out)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100 MB", 100_000_000), ("20MiB", 20 * 1024**2), ("512 kB", 512_000), (4096, 4096)],
)
def test_sizes_are_read_in_decimal_and_binary_units(text: object, expected: int) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("text", ["100", "MB", "-3 MB", "0 B", "ten MB", True])
def test_a_size_without_a_unit_or_number_is_refused(text: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the parser's only error
        parse_bytes(text)


def test_durations_are_read_in_seconds_and_milliseconds() -> None:
    assert (parse_seconds("0.3 s"), parse_seconds("300ms"), parse_seconds(2)) == (0.3, 0.3, 2.0)


def test_a_bad_budget_is_one_line_naming_the_key_and_the_expected_form() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_profile_table({"test_max_memory": "lots"}, "pyproject.toml")
    assert str(caught.value) == (
        "[tool.piv.profile] test_max_memory = 'lots' (pyproject.toml): "
        'expected a size such as "100 MB" or "20 MiB"'
    )


def test_an_unknown_profile_key_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="one of the keys blocking, dir, import_modules"):
        parse_profile_table({"max_mem": "1 MB"}, "pyproject.toml")


def test_a_marker_limit_that_is_not_a_size_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"piv_memory\(limit=...\) = 12"):
        parse_marker_limit(12.5, "tests/test_x.py::test_y")


def test_budgets_parse_into_settings() -> None:
    settings = parse_profile_table(
        {"max_memory": "100 MB", "test_max_memory": "20 MB", "tolerance": "5%", "mode": "MEM"},
        "pyproject.toml",
    )
    assert (settings.max_memory, settings.test_max_memory, settings.tolerance) == (
        100_000_000,
        20_000_000,
        0.05,
    )
    assert (settings.mem, settings.cpu) == (True, False)


@pytest.mark.slow
def test_a_real_py_spy_recording_names_the_hot_leaf_first_by_own_time(tmp_path: Path) -> None:
    # seconds of work: py-spy finds the launcher's child late on a loaded machine
    profile = _record(tmp_path, "a", 8_000_000)
    top = profile.hotspots()[0]
    assert top.name == "leaf_a"
    by_total = {h.name: h for h in profile.by_total()[:3]}
    assert set(by_total) == {"<module>", "middle_a", "leaf_a"}
    assert by_total["middle_a"].own < by_total["middle_a"].total / 5
    assert profile.processes == 1
    assert profile.samples > 10


@pytest.mark.slow
def test_at_the_default_rate_the_hot_leaf_is_named_first_and_its_caller_is_not_blamed(
    tmp_path: Path,
) -> None:
    settings = ProfileSettings()
    profile = _record(tmp_path, "d", 8_000_000, blocking=settings.blocking, rate=settings.rate)
    spots = {h.name: h for h in profile.hotspots()}
    assert profile.hotspots()[0].name == "leaf_d"
    assert spots["middle_d"].own < spots["middle_d"].total / 20
    assert profile.samples > 10


@pytest.mark.slow
def test_the_profile_diff_names_the_slowed_function_first(tmp_path: Path) -> None:
    # exact stacks, as the before/after diffs of the product take them
    before = _record(tmp_path, "b", 300_000, blocking=True)
    script = tmp_path / "prog_b.py"
    slowed = PROGRAM.format(tag="b", work=300_000).replace(
        "def cheap(n):\n    return sum(range(n))",
        "def cheap(n):\n    return sum(i * i for i in range(n * 1500))",
    )
    script.write_text(slowed, encoding="utf-8")
    after_run = pyspy.record(
        [sys.executable, str(script)], tmp_path / "after", rate=250, blocking=True
    )
    assert after_run == 0
    after = pyspy.load(tmp_path / "after")
    grown = share_diff(before, after)
    assert grown[0].name == "cheap.<locals>.<genexpr>"
    assert grown[0].growth > 0.2


def test_a_flame_graph_is_a_self_contained_svg() -> None:
    stacks = {(("main", "m.py"), ("work", "w.py")): 0.8, (("main", "m.py"),): 0.2}
    svg = render_svg(stacks, "cpu <run>")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "work (w.py) (0.80 s, 80.0%)" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_a_file_that_is_not_speedscope_is_a_clear_error() -> None:
    with pytest.raises(ProfileFormatError, match="not a speedscope document"):
        parse_speedscope(json.loads('{"profiles": 3}'))


def _launched_document(launcher_name: str) -> dict[str, object]:
    """Speedscope as py-spy writes it for the launcher and its child: the child's samples
    nest under the launcher's process frame; py-spy may read the launcher's command line
    before exec, as an empty string."""
    frames = [
        {"name": f"process 10:{launcher_name}", "file": ""},
        {"name": 'process 11:"python prog.py"', "file": ""},
        {"name": "<module>", "file": "launch.py"},
        {"name": "<module>", "file": "prog.py"},
        {"name": "leaf", "file": "prog.py"},
    ]
    return {
        "shared": {"frames": frames},
        "profiles": [
            {"type": "sampled", "name": "Process 10 Thread 10", "samples": [[0, 2], [0]],
             "weights": [0.1, 0.1]},
            {"type": "sampled", "name": "Process 11 Thread 11", "samples": [[0, 1, 3, 4]],
             "weights": [0.5]},
        ],
    }  # fmt: skip


@pytest.mark.parametrize("launcher_name", ['"python -m pytest_piv.profiling.launch st x"', '""'])
def test_the_launchers_own_samples_are_dropped_even_when_py_spy_did_not_read_its_name(
    launcher_name: str,
) -> None:
    profile = parse_speedscope(_launched_document(launcher_name), skip_launcher=True)
    assert (profile.processes, profile.samples) == (1, 1)
    assert profile.stacks == {(("<module>", "prog.py"), ("leaf", "prog.py")): 0.5}


def _allocate_twice(blocks: int) -> list[bytearray]:
    keep = [bytearray(10_000) for _ in range(blocks)]
    spare = bytearray(3_000_000)
    del spare
    return keep


def test_a_real_memray_capture_gives_the_peak_and_the_sites_by_peak_and_total(
    tmp_path: Path,
) -> None:
    with memray_backend.track(tmp_path / "a.bin"):
        kept = _allocate_twice(500)
    del kept
    profile = memray_backend.read(tmp_path / "a.bin")
    assert 5_000_000 <= profile.peak < 20_000_000
    assert profile.at_peak[0].function in {"_allocate_twice", "<listcomp>"}
    assert profile.total >= 8_000_000
    assert {s.function for s in profile.allocated[:2]} >= {"_allocate_twice"}


def test_the_memory_diff_names_the_growing_site_first(tmp_path: Path) -> None:
    with memray_backend.track(tmp_path / "before.bin"):
        kept = _allocate_twice(100)
    with memray_backend.track(tmp_path / "after.bin"):
        kept = _allocate_twice(1500)
    del kept
    rows = site_diff(
        memray_backend.read(tmp_path / "before.bin"), memray_backend.read(tmp_path / "after.bin")
    )
    assert rows[0].function == "<listcomp>"
    assert rows[0].growth > 10_000_000


@pytest.mark.parametrize(
    ("measured", "remeasured", "verdict"),
    [
        (100, None, "ok"),
        (110, None, "ok"),
        (111, None, "suspect"),
        (150, 105, "flaky"),
        (150, 140, "over"),
    ],
)
def test_a_budget_fails_only_when_the_re_measurement_is_over_too(
    measured: int, remeasured: int | None, verdict: str
) -> None:
    check = MemoryCheck("t", "peak", measured, 100, 0.10, remeasured)
    assert check.verdict == verdict
    assert check.failed == (verdict == "over")


def test_a_missing_py_spy_is_explained_with_the_install_hint() -> None:
    host = Host(ptrace_scope=1, cap_sys_ptrace=False, container=False)
    assert pyspy_blocker(None, host) == (
        "py-spy is not installed (hint: pip install 'pytest-piv[profile]')"
    )


@pytest.mark.parametrize(
    ("scope", "cap", "blocked"),
    [
        (None, False, False),
        (0, False, False),
        (1, False, False),
        (2, True, False),
        (2, False, True),
        (3, True, True),
    ],
)
def test_ptrace_scope_blocks_py_spy_only_where_the_kernel_forbids_tracing_children(
    scope: int | None, cap: bool, blocked: bool
) -> None:
    reason = pyspy_blocker("/usr/bin/py-spy", Host(scope, cap, container=False))
    assert (reason is not None) == blocked
    if reason is not None:
        assert "hint:" in reason
        assert "\n" not in reason


def test_a_denied_probe_in_a_container_says_to_grant_sys_ptrace() -> None:
    reason = probe_blocker("Error: Operation not permitted (os error 1)", Host(1, False, True))
    assert reason.endswith("(hint: run the container with --cap-add SYS_PTRACE)")


def test_config_show_names_the_profile_keys_and_where_they_came_from(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.piv.profile]\ntest_max_memory = "20 MB"\n', encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest_piv", "config", "show", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PIV_PROFILE": "mem", "PATH": str(Path(sys.executable).parent)},
    )
    data = json.loads(done.stdout)
    assert data["profile.test_max_memory"] == {"value": "20.0 MB", "origin": "pyproject.toml"}
    assert data["profile.mode"] == {"value": "mem", "origin": "env PIV_PROFILE"}


def test_the_markdown_summary_lists_the_budgets_and_their_verdicts() -> None:
    checks = [
        MemoryCheck("t.py::test_a", "peak", 30_000_000, 10_000_000, 0.1, 29_000_000),
        MemoryCheck("t.py::test_b", "peak", 1_000, 10_000_000, 0.1),
    ]
    text = report.to_markdown({"run": "r1", "budgets": report.budget_part(checks)})
    assert "| t.py::test_a: peak memory 30.0 MB (re-measured in a fresh process: 29.0 MB)" in text
    assert text.count("| **over** |") == 1
    assert text.count("| **ok** |") == 1


def test_the_markdown_summary_lists_a_profile_diff() -> None:
    diff = {"base": "main", "nodeids": ["t.py::b"], "grown": [
        {"function": "middle", "file": "src/w.py", "before": 0.1, "after": 0.5}
    ]}  # fmt: skip
    text = report.to_markdown({"run": "r2", "diff": diff})
    assert "| 10.0% | 50.0% | `middle` | `src/w.py` |" in text


def test_py_spy_pauses_the_program_at_each_sample_unless_blocking_is_turned_off() -> None:
    command = ["python", "prog.py"]
    default = pyspy.record_argv("py-spy", Path("out.json"), 100, command)
    assert "--nonblocking" not in default
    assert default[-3:] == ["--", "python", "prog.py"]
    assert "--nonblocking" in pyspy.record_argv(
        "py-spy", Path("out.json"), 100, command, blocking=False
    )


def test_the_blocking_key_is_read_from_the_profile_table() -> None:
    from pytest_piv.profiling.settings import parse_profile_table

    assert parse_profile_table({}, "pyproject.toml").blocking is True
    assert parse_profile_table({"blocking": False}, "pyproject.toml").blocking is False
    with pytest.raises(ConfigError, match="blocking"):
        parse_profile_table({"blocking": "sometimes"}, "pyproject.toml")
