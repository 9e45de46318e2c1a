from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from tests.checkpoints.conftest import Piv, git, refs, trailers

PROJECT = Path(__file__).resolve().parents[2]
PYTEST = [sys.executable, "-m", "pytest", "--piv", "-q", "-p", "no:cacheprovider"]


def test_the_plain_post_commit_hook_checkpoints_what_the_commit_left_out(repo: Path) -> None:
    shutil.copy(PROJECT / "hooks" / "piv-checkpoint", repo / ".git" / "hooks" / "post-commit")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    (repo / "part.txt").write_text("committed\n")
    (repo / "left out.txt").write_text("not staged\n")
    subprocess.run(["git", "add", "part.txt"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "part"], cwd=repo, check=True, env=env)
    assert git(repo, "log", "-1", "--format=%s") == "part\n"
    assert git(repo, "cat-file", "blob", "wip/main:left out.txt") == "not staged\n"
    assert git(repo, "status", "--porcelain") == '?? "left out.txt"\n'
    (repo / "left out.txt").unlink()
    done = subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "empty"], cwd=repo,
                          env=env, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0
    assert "nothing to checkpoint" in done.stdout + done.stderr


def test_the_published_hook_entry_runs_in_a_clean_repository(repo: Path, piv: Piv) -> None:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    entry = next(h["entry"] for h in hooks if h["id"] == "piv-checkpoint")
    argv = shlex.split(entry)
    assert argv[:2] == ["piv", "checkpoint"]
    assert piv(*argv[1:])[0] == 0
    (repo / "x.txt").write_text("x\n")
    assert piv(*argv[1:])[0] == 0
    assert refs(repo) == ["refs/piv/checkpoints/main/1"]


def test_on_phase_green_checkpoints_once_per_green_run(repo: Path, piv: Piv) -> None:
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (repo / "tests").mkdir()
    (repo / "tests" / "test_a.py").write_text("def test_a():\n    assert True\n")
    subprocess.run(PYTEST, cwd=repo, check=True, capture_output=True)
    (repo / "tests" / "test_a.py").write_text(
        "from calc import double\n\n\ndef test_a():\n    assert double(2) == 4\n"
    )
    subprocess.run(PYTEST, cwd=repo, capture_output=True, env={**os.environ, "PYTHONPATH": "."})
    code, out, _ = piv("checkpoint", "--no-validate", "--on-phase", "GREEN")
    assert (code, out) == (0, "checkpoint skipped: the last run's phase is RED, not GREEN\n")
    (repo / "calc.py").write_text("def double(x):\n    return 2 * x\n")
    subprocess.run(PYTEST, cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": "."})  # fmt: skip
    code, out, err = piv("checkpoint", "--no-validate", "--on-phase", "green")
    assert code == 0, err
    assert git(repo, "log", "-1", "--format=%s") == "feat: checkpoint 1\n"
    assert trailers(repo, "HEAD")["Piv-Phase"] == "GREEN"
    (repo / "more.txt").write_text("m\n")
    code, out, _ = piv("checkpoint", "--no-validate", "--on-phase", "GREEN")
    assert code == 0
    assert out.startswith("checkpoint skipped: run 3 has a checkpoint already (main/1)")
