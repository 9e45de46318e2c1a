"""``piv coverage check / baseline / files`` and diff coverage, on real coverage data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_piv.cli import main
from tests.coverage_gate.project import ShopProject

pytestmark = pytest.mark.slow


def piv(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str]:
    code = main(["--root", str(root), "coverage", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_check_reaches_the_plugins_verdict_from_the_data_file(
    pytester: pytest.Pytester, shop: ShopProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shop("[tool.piv.coverage]\nfail_under = 65\n")
    pytester.runpytest_subprocess("--piv")
    plugin_json = json.loads((root / ".piv" / "coverage.json").read_text())
    code, out = piv(capsys, root, "check")
    assert code == 1
    assert "(default)      4     14     5  64.28   65   -0.71    FAIL" in out
    code, out = piv(capsys, root, "check", "--json")
    assert code == 1
    assert json.loads(out)["groups"] == plugin_json["groups"]
    code, out = piv(capsys, root, "check", "--markdown", "--fail-under", "60")
    assert code == 0
    assert out.startswith("### Coverage gate passed")


def test_check_combines_ci_shards_with_path_remapping(
    pytester: pytest.Pytester, shop: ShopProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shop(
        "[tool.piv.coverage]\nfail_under = 64\n[[tool.piv.coverage.rule]]\n"
        'path = "src/shop/db.py"\nmin = 60\n'
    )
    # shard 1 comes from a checkout somewhere else, as on another CI machine
    elsewhere = root.parent / "ci-checkout"
    shutil.copytree(root, elsewhere)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--piv",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_db.py",
        ],
        cwd=elsewhere,
        check=False,
        capture_output=True,
    )
    shutil.copy(elsewhere / ".coverage", root / "shard-db.cov")
    pytester.runpytest_subprocess("--piv", "tests/test_views.py")
    shutil.copy(root / ".coverage", root / "shard-views.cov")
    code, out = piv(capsys, root, "check", "shard-views.cov")
    assert code == 2
    assert 'rule "src/shop/db.py" matches no measured file' in out
    code, out = piv(
        capsys,
        root,
        "check",
        "shard-views.cov",
        "shard-db.cov",
        "--remap",
        f"src/={elsewhere}/src/",
    )
    assert code == 0, out
    assert "src/shop/db.py      1      5     2  60.00   60   +0.00      ok" in out
    assert "(default)           3      9     3  66.66   64   +2.66      ok" in out
    code, out = piv(capsys, root, "files", "shard-db.cov", "--remap", f"src/={elsewhere}/src/")
    assert "src/shop/db.py\tsrc/shop/db.py\t60.00 %" in out


def test_check_without_data_or_rules_is_a_usage_error(
    shop: ShopProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shop("")
    assert piv(capsys, root, "check")[0] == 2
    root = shop("[tool.piv.coverage]\nfail_under = 1\n")
    code, out = piv(capsys, root, "check")
    assert code == 2
    assert "no coverage data file here" in out


def test_the_ratchet_holds_floors_and_forgives_deleted_code(
    pytester: pytest.Pytester, shop: ShopProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shop("[tool.piv.coverage]\nratchet = true\n")
    result = pytester.runpytest_subprocess("--piv")
    result.stdout.fnmatch_lines(["note: ratchet: no baseline at coverage-baseline.json yet*"])
    assert piv(capsys, root, "baseline")[0] == 0
    baseline = json.loads((root / "coverage-baseline.json").read_text())
    assert baseline["groups"] == {"(default)": {"missed": 5, "percent": "64.28", "statements": 14}}

    # deleting covered code lowers the percentage but adds no missed line
    views = root / "src" / "shop" / "api" / "views.py"
    original = views.read_text()
    views.write_text(original.replace('def index():\n    return "index"\n', ""))
    (root / "tests" / "test_views.py").write_text(
        "from shop.api.views import detail\n\ndef test_detail():\n    assert detail(1)\n"
    )
    assert pytester.runpytest_subprocess("--piv").ret == pytest.ExitCode.OK

    # a new uncovered line trips it
    views.write_text(views.read_text() + "\n\ndef more():\n    return 1\n")
    result = pytester.runpytest_subprocess("--piv")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*ratchet: 6 missed lines, baseline 5 (+1)"])

    # updating the baseline refuses to lower the floor without a reason
    code, out = piv(capsys, root, "baseline")
    assert code == 1
    assert "would lower the floor of (default) (5 -> 6 missed)" in out
    assert piv(capsys, root, "baseline", "--allow-lower")[0] == 2
    code, _ = piv(capsys, root, "baseline", "--allow-lower", "--reason", "spike")
    assert code == 0
    kept = json.loads((root / "coverage-baseline.json").read_text())
    assert kept["lowered"][0]["reason"] == "spike"
    assert kept["groups"]["(default)"]["missed"] == 6
    assert pytester.runpytest_subprocess("--piv").ret == pytest.ExitCode.OK


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_diff_coverage_lists_each_uncovered_changed_line(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    root = shop("[tool.piv.coverage]\ndiff_fail_under = 80\n")
    (root / ".gitignore").write_text(".coverage\npiv-coverage.json\n.piv/\n__pycache__/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    _git(root, "checkout", "-qb", "feature")
    db = root / "src" / "shop" / "db.py"
    db.write_text(db.read_text() + "\n\ndef staged():\n    return 1\n")
    _git(root, "add", "src/shop/db.py")
    db.write_text(db.read_text() + "\n\ndef unstaged():\n    return 2\n")
    (root / "src" / "shop" / "new.py").write_text("def untracked():\n    return 3\n")
    (root / "tests" / "test_new.py").write_text(
        "from shop.new import untracked\n\ndef test_new():\n    assert untracked() == 3\n"
    )
    result = pytester.runpytest_subprocess("--piv", "--piv-diff-base", "main")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "diff coverage vs main (*): 4 of 6 changed statements ran, 66.66 % (min 80 %) FAIL",
            "    src/shop/db.py: not run: 11, 15",
            "*diff coverage is below its minimum*",
        ]
    )
    result = pytester.runpytest_subprocess(
        "--piv", "--piv-diff-base", "main", "--piv-diff-fail-under", "60"
    )
    assert result.ret == pytest.ExitCode.OK


def test_diff_coverage_in_a_shallow_clone_says_to_fetch_history(
    pytester: pytest.Pytester, shop: ShopProject
) -> None:
    origin = shop("[tool.piv.coverage]\ndiff_fail_under = 80\n")
    _git(origin, "init", "-q", "-b", "main")
    _git(origin, "add", ".")
    _git(origin, "commit", "-qm", "base")
    _git(origin, "checkout", "-qb", "feature")
    (origin / "src" / "shop" / "db.py").write_text('def connect():\n    return "conn"\n')
    _git(origin, "commit", "-qam", "feature")
    _git(origin, "checkout", "-q", "main")
    (origin / "README").write_text("moved on\n")
    _git(origin, "add", "README")
    _git(origin, "commit", "-qm", "main moves")
    clone = origin.parent / "clone"
    _git(origin.parent, "clone", "-q", "--depth", "1", "-b", "feature", origin.as_uri(), "clone")
    _git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--piv", "-p", "no:cacheprovider"],
        cwd=clone,
        env={**os.environ, "GITHUB_BASE_REF": "main"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "shallow clone" in result.stdout
    assert "fetch-depth: 0" in result.stdout
