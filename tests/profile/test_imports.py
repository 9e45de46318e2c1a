"""Import-time budgets: real ``python -X importtime`` in fresh processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_piv.profiling.imports import measure, parse_importtime, subtree


def _package(root: Path, sleep: float) -> None:
    (root / "slowpkg").mkdir(exist_ok=True)
    shutil.rmtree(root / "slowpkg" / "__pycache__", ignore_errors=True)  # same size, mtime
    (root / "slowpkg" / "__init__.py").write_text(
        "from slowpkg import heavy, light\n", encoding="utf-8"
    )
    (root / "slowpkg" / "light.py").write_text("VALUE = 1\n", encoding="utf-8")
    (root / "slowpkg" / "heavy.py").write_text(
        f"import time\n\ntime.sleep({sleep})\n", encoding="utf-8"
    )


def piv(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_piv", "profile", "imports", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(Path(sys.executable).parent), "NO_COLOR": "1"},
    )


def test_the_import_tree_of_a_module_is_read_from_importtime_output() -> None:
    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       100 |        100 | site\n"
        "import time:        50 |         50 |     pkg.leaf\n"
        "import time:       300 |        350 |   pkg.mid\n"
        "import time:        20 |        370 | pkg\n"
    )
    rows = parse_importtime(stderr)
    assert [(r.name, r.depth) for r in rows] == [
        ("site", 0),
        ("pkg.leaf", 2),
        ("pkg.mid", 1),
        ("pkg", 0),
    ]
    assert [r.name for r in subtree(rows, "pkg")] == ["pkg", "pkg.mid", "pkg.leaf"]
    assert subtree(rows, "pkg")[0].cumulative == pytest.approx(370e-6)


def test_a_planted_slow_import_is_the_top_contributor(tmp_path: Path) -> None:
    _package(tmp_path, 0.15)
    timed = measure("slowpkg", 3, python=sys.executable, cwd=tmp_path)
    assert timed.seconds >= 0.15
    assert timed.top[0].name == "slowpkg.heavy"
    assert len(timed.runs) == 3


def test_an_import_over_its_budget_fails_and_names_the_slow_module(tmp_path: Path) -> None:
    _package(tmp_path, 0.15)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.piv.profile]\nimport_modules = ["slowpkg"]\nmax_import_time = "100 ms"\n'
        "import_runs = 3\n",
        encoding="utf-8",
    )
    done = piv(tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("piv: import slowpkg took ")
    assert ", over the budget 100.0 ms (most of it: slowpkg.heavy 1" in done.stdout


def test_an_import_within_its_budget_passes(tmp_path: Path) -> None:
    _package(tmp_path, 0.0)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.piv.profile]\nimport_modules = ["slowpkg"]\nmax_import_time = "2 s"\n'
        "import_runs = 3\n",
        encoding="utf-8",
    )
    done = piv(tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    assert [v["verdict"] for v in json.loads(done.stdout)] == ["ok"]


def test_an_import_much_slower_than_its_baseline_fails(tmp_path: Path) -> None:
    _package(tmp_path, 0.0)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.piv.profile]\nimport_runs = 3\n", encoding="utf-8"
    )
    assert piv(tmp_path, "slowpkg").returncode == 0
    _package(tmp_path, 0.3)
    done = piv(tmp_path, "slowpkg", "--json")
    assert done.returncode == 1
    (verdict,) = json.loads(done.stdout)
    assert verdict["baseline"] < 0.3 <= verdict["seconds"]
    assert "over the baseline" in verdict["message"]


def test_no_modules_to_time_is_a_usage_error(tmp_path: Path) -> None:
    done = piv(tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        'piv: error: no modules to time (hint: [tool.piv.profile] import_modules = ["yourpkg"])'
    )


def test_a_module_that_cannot_be_imported_is_a_usage_error(tmp_path: Path) -> None:
    done = piv(tmp_path, "no_such_module_here")
    assert done.returncode == 2
    assert "import no_such_module_here failed: ModuleNotFoundError" in done.stderr
