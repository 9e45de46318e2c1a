"""`piv validate` in real git repositories with real ruff, mypy and pytest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from pytest_piv.cli import main
from tests.validate.conftest import Repo, make_repo

SIGNATURE_CHANGE = (
    "def subtotal(prices: list[int], tax: int) -> int:\n    return sum(prices) + tax\n"
)


def test_minimal_preset_passes_a_clean_change(repo: Repo) -> None:
    repo.write("src/shop/cart.py", "def subtotal(prices: list[int]) -> int:\n    return 0\n")
    code, out = repo.piv("validate", "--preset", "minimal")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "piv validate: preset minimal on 1 file"
    assert lines[1].split()[:2] == ["ruff-check", "pass"]
    assert lines[2].split()[:2] == ["ruff-format", "pass"]
    assert lines[-1].startswith("piv validate: passed — 2 steps in ")


def test_minimal_preset_fails_a_lint_error_and_a_format_error_with_their_places(
    repo: Repo,
) -> None:
    repo.write(
        "src/shop/cart.py", "import os\ndef subtotal(prices: list[int]) -> int:\n    return 0\n"
    )
    code, out = repo.piv("validate", "--preset", "minimal")
    assert code == 1
    assert "src/shop/cart.py:1:8: F401 `os` imported but unused" in out.splitlines()
    assert "src/shop/cart.py:2:1: format would be reformatted by ruff format" in out.splitlines()
    assert out.splitlines()[-1].startswith(
        "piv validate: FAILED — ruff-check (fail), ruff-format (fail) in "
    )


def test_unchanged_files_are_not_checked_unless_all_files_is_asked(repo: Repo) -> None:
    repo.write("src/shop/legacy.py", "import os\n")
    repo.commit("legacy debt")
    repo.write("src/shop/cart.py", "def subtotal(prices: list[int]) -> int:\n    return 0\n")
    assert repo.piv("validate", "--preset", "minimal")[0] == 0
    code, data = repo.validate_json("--preset", "minimal", "--all-files")
    assert code == 1
    steps = data["steps"]
    assert isinstance(steps, list)
    assert [f["path"] for f in steps[0]["findings"]] == ["src/shop/legacy.py"]


def test_given_files_are_checked_whatever_changed(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.path)
    repo.write("src/shop/legacy.py", "import os\n")
    code, data = repo.validate_json("--preset", "minimal", "src/shop/cart.py")
    assert (code, data["files"]) == (0, ["src/shop/cart.py"])


def test_json_has_each_step_with_verdict_time_and_findings(repo: Repo) -> None:
    repo.write("src/shop/cart.py", "import os\n")
    code, data = repo.validate_json("--preset", "minimal")
    assert code == data["exit_code"] == 1
    steps = data["steps"]
    assert isinstance(steps, list)
    assert [(s["name"], s["verdict"]) for s in steps] == [
        ("ruff-check", "fail"),
        ("ruff-format", "pass"),
    ]
    assert steps[0]["findings"] == [
        {"path": "src/shop/cart.py", "line": 1, "col": 8, "code": "F401",
         "message": "`os` imported but unused"}
    ]  # fmt: skip
    assert isinstance(steps[0]["seconds"], float)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "huge"], "piv: error: --preset 'huge': expected one of minimal, standard"),
        (["--all-files", "--changed"], "piv: error: give one of --changed, --staged, --all-files"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(
    repo: Repo, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(repo.path), "validate", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_a_bad_validate_key_in_pyproject_is_a_usage_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "p", "\n[tool.piv.gates]\ncomplexity = -1\n")
    assert main(["--root", str(repo.path), "validate"]) == 2
    assert capsys.readouterr().err.startswith("piv: error: [tool.piv.gates] complexity = -1")


CUSTOM = """
[tool.piv.validate.presets]
slow = ["ruff-check", "sleeper"]
gone = ["ruff-check", "vanished"]
meet = ["left", "right"]

[tool.piv.validate.steps.sleeper]
command = [PYTHON, "-c", "import time; time.sleep(30)"]
budget = 0.5

[tool.piv.validate.steps.vanished]
command = ["no-such-tool-piv", "{files}"]

[tool.piv.validate.steps.left]
command = [PYTHON, "meet.py", ".piv-left", ".piv-right"]
budget = 20

[tool.piv.validate.steps.right]
command = [PYTHON, "meet.py", ".piv-right", ".piv-left"]
budget = 20
"""

#: each step writes its own marker and waits for the other's: both pass only in parallel
MEET = """\
import sys
import time
from pathlib import Path

Path(sys.argv[1]).touch()
for _ in range(400):
    if Path(sys.argv[2]).exists():
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
"""


@pytest.fixture
def custom_repo(tmp_path: Path) -> Repo:
    repo = make_repo(tmp_path / "c", CUSTOM.replace("PYTHON", json.dumps(sys.executable)))
    repo.write("meet.py", MEET)
    repo.write(".gitignore", ".piv/\n__pycache__/\n.mypy_cache/\n.piv-*\n")
    repo.commit("custom steps")
    return repo


def test_a_step_over_its_budget_is_reported_as_such_and_fails(custom_repo: Repo) -> None:
    custom_repo.write("src/shop/cart.py", "X = 1\n")
    code, data = custom_repo.validate_json("--preset", "slow")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert code == 1
    assert (steps[1]["name"], steps[1]["verdict"]) == ("sleeper", "timeout")
    assert steps[1]["detail"] == "over its budget of 0.5s"
    assert steps[0]["verdict"] == "pass"


def test_a_missing_tool_is_one_line_naming_it_and_exit_3(
    custom_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    custom_repo.write("src/shop/cart.py", "X = 1\n")
    assert main(["--root", str(custom_repo.path), "validate", "--preset", "gone"]) == 3
    err = capsys.readouterr().err
    assert err == (
        "piv: error: no-such-tool-piv is not installed or not on PATH"
        " (hint: install no-such-tool-piv)\n"
    )


def test_independent_steps_run_in_parallel(custom_repo: Repo) -> None:
    custom_repo.write("src/shop/cart.py", "X = 1\n")
    code, data = custom_repo.validate_json("--preset", "meet")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert [s["verdict"] for s in steps] == ["pass", "pass"]
    assert code == 0


def test_a_missing_ruff_is_one_line_naming_it_and_how_to_install_it(
    repo: Repo, tmp_path: Path
) -> None:
    # an interpreter that can import piv but has no ruff beside it, and a PATH without ruff
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    purelib = sysconfig.get_paths()["purelib"]
    site = next((bare / "lib").glob("python*/site-packages"))
    (site / "piv-test.pth").write_text(purelib + "\n", encoding="utf-8")
    for pth in Path(purelib).glob("*.pth"):
        (site / f"z-{pth.name}").write_text(pth.read_text(encoding="utf-8"), encoding="utf-8")
    repo.write("src/shop/cart.py", "X = 1\n")
    done = subprocess.run(
        [str(bare / "bin" / "python"), "-m", "pytest_piv", "validate", "--preset", "minimal"],
        cwd=repo.path,
        env={**os.environ, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stderr == (
        "piv: error: ruff is not installed or not on PATH (hint: pip install ruff)\n"
    )
    assert "ruff-check   missing" in done.stdout


def test_staged_files_with_unstaged_changes_are_named_since_their_work_tree_copy_is_checked(
    repo: Repo,
) -> None:
    repo.write("src/shop/cart.py", "X = 1\n")
    subprocess.run(["git", "add", "src/shop/cart.py"], cwd=repo.path, check=True)
    repo.write("src/shop/cart.py", "X = 2\n")
    code, out = repo.piv("validate", "--preset", "minimal", "--staged")
    assert code == 0
    assert out.splitlines()[1] == (
        "piv validate: note: src/shop/cart.py also has unstaged changes: its work-tree copy"
        " was validated (hint: the pre-commit framework stashes them first)"
    )
