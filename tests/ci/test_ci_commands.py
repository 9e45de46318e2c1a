"""`piv ci shard` and `piv ci init` on real projects in temporary git repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pytest_piv.cli import main
from pytest_piv.workflows import CALLER_PATH, CallerSettings, caller_workflow

REPO_ROOT = Path(__file__).resolve().parents[2]
SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'pkg'\n", encoding="utf-8")
    (root / "src" / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    for name, size in (("a", 4000), ("b", 3000), ("c", 2000), ("d", 1000)):
        (root / "tests" / f"test_{name}.py").write_text("#" * size + "\n", encoding="utf-8")
    (root / "tests" / "conftest.py").write_text("", encoding="utf-8")
    (root / "tests" / "helpers.py").write_text("", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def _shard(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert main(["--root", str(project), "ci", "shard", *args]) == 0
    return capsys.readouterr().out.split()


def test_shards_cover_every_test_module_once_and_leave_out_conftests_and_helpers(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = _shard(project, capsys, "--index", "1", "--total", "2")
    two = _shard(project, capsys, "--index", "2", "--total", "2")
    assert sorted(one + two) == [f"tests/test_{n}.py" for n in "abcd"]
    assert not set(one) & set(two)
    assert one == ["tests/test_a.py", "tests/test_d.py"]  # balanced by size: 5000 / 5000


def test_recorded_durations_decide_the_balance(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    durations = tmp_path / "durations.json"
    durations.write_text(
        json.dumps({"tests/test_d.py::t": 9.0, **{f"tests/test_{n}.py::t": 1 for n in "abc"}}),
        encoding="utf-8",
    )
    one = _shard(project, capsys, "--index", "1", "--total", "2", "--durations", str(durations))
    assert one == ["tests/test_d.py"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--index", "3", "--total", "2"], "--index 3: expected a shard from 1 to --total 2"),
        (["--index", "0", "--total", "2"], "--index"),
    ],
)
def test_a_shard_out_of_range_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["--root", str(project), "ci", "shard", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_durations_file_that_is_not_seconds_per_test_is_a_usage_error(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"tests/test_a.py": "slow"}), encoding="utf-8")
    args = ["--root", str(project), "ci", "shard", "--index", "1", "--total", "2"]
    assert main([*args, "--durations", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"--durations {bad}: expected a JSON object" in err
    assert "Traceback" not in err


def test_ci_init_shows_the_caller_and_writes_nothing_without_yes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(project), "ci", "init"]) == 0
    out = capsys.readouterr().out
    assert "uses: OWNER/pytest-piv/.github/workflows/piv.yml@" in out
    assert "would write .github/workflows/piv-ci.yml" in out
    assert not (project / CALLER_PATH).exists()


def test_ci_init_writes_a_pinned_caller_once_and_a_second_run_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--root", str(project), "ci", "init", "--repo", "acme/pytest-piv", "--ref", SHA]
    assert main([*args, "--yes"]) == 0
    written = (project / CALLER_PATH).read_text(encoding="utf-8")
    assert f"uses: acme/pytest-piv/.github/workflows/piv.yml@{SHA}" in written
    assert main([*args, "--yes"]) == 0
    assert "is up to date" in capsys.readouterr().out
    assert (project / CALLER_PATH).read_text(encoding="utf-8") == written


def test_ci_init_never_clobbers_a_caller_that_differs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = project / CALLER_PATH
    target.parent.mkdir(parents=True)
    target.write_text("# mine\n", encoding="utf-8")
    assert main(["--root", str(project), "ci", "init", "--yes"]) == 2
    assert "exists and differs; nothing written" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "# mine\n"
    assert main(["--root", str(project), "ci", "init", "--yes", "--force"]) == 0
    assert target.read_text(encoding="utf-8") != "# mine\n"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--ref", "v1.0", "expected a full 40-hex commit id"), ("--repo", "x", "OWNER/NAME")],
)
def test_ci_init_refuses_a_tag_or_a_malformed_repository(
    project: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    assert main(["--root", str(project), "ci", "init", option, value]) == 2
    assert message in capsys.readouterr().err


def test_the_caller_template_users_copy_is_what_ci_init_writes() -> None:
    shipped = (REPO_ROOT / "ci" / "piv-caller.yml").read_text(encoding="utf-8")
    assert shipped == caller_workflow(CallerSettings())


@pytest.mark.slow
def test_piv_demo_walks_a_whole_cycle_and_names_each_phase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keep = tmp_path / "shop"
    assert main(["demo", "--keep", str(keep)]) == 0
    out = capsys.readouterr().out
    for phase in ("ADOPTED", "RED", "GREEN", "REFACTOR", "VIOLATION"):
        assert f"piv: {phase}" in out
    assert out.count("-> as expected") == 5
    assert (keep / ".piv" / "piv.db").is_file()


def test_piv_demo_refuses_to_build_in_a_directory_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mine.txt").write_text("keep me", encoding="utf-8")
    assert main(["demo", "--keep", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "keep me"
