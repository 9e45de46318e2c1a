"""``piv profile diff``: a before/after profile names the function that was slowed down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git

WORK = """\
def deep(n):
    total = 0
    for i in range(n):  # deep
        total += i
    return total


def middle(n):
    total = 0
    for i in range(n):  # middle
        total ^= i
    return total + deep(n)


def upper(n):
    total = 0
    for i in range(n):  # upper
        total -= i
    return total + middle(n)


def entry(n):
    return upper(n)
"""

BENCH = """\
from shop.work import entry


def test_entry(benchmark):
    benchmark(entry, 20_000)
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    (tmp_path / "src" / "shop").mkdir(parents=True)
    (tmp_path / "src" / "shop" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "src" / "shop" / "work.py").write_text(WORK, encoding="utf-8")
    (tmp_path / "test_bench.py").write_text(BENCH, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\npythonpath = ["src"]\n', encoding="utf-8"
    )
    (tmp_path / ".gitignore").write_text(".piv/\n__pycache__/\n.benchmarks/\n", encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "dev")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def diff(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_piv", "profile", "diff", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("slowed", ["upper", "middle", "deep"])
def test_the_profile_diff_names_the_slowed_function_first(shop: Path, slowed: str) -> None:
    # 250 Hz and a second of samples per side: stable on a loaded 2-core machine
    with (shop / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write("[tool.piv.profile]\nrate = 250\n")
    git(shop, "commit", "-qam", "sample faster")
    work = shop / "src" / "shop" / "work.py"
    work.write_text(
        WORK.replace(f"range(n):  # {slowed}", f"range(n * 10):  # {slowed}"), encoding="utf-8"
    )
    done = diff(
        shop, "--base", "HEAD", "--json", "test_bench.py::test_entry",
        "--benchmark-max-time=1.0", "--benchmark-warmup=off",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    grown = json.loads(done.stdout[done.stdout.index("{") :])["diff"]["grown"]
    assert (grown[0]["function"], grown[0]["file"]) == (slowed, "src/shop/work.py")


def test_a_profile_diff_against_a_ref_that_is_not_a_commit_is_a_usage_error(shop: Path) -> None:
    done = diff(shop, "--base", "no-such-ref", "test_bench.py::test_entry")
    assert done.returncode == 2
    assert "--base 'no-such-ref' is not a commit" in done.stderr


FAST = ("--benchmark-max-time=0.05", "--benchmark-min-rounds=30", "--benchmark-warmup=off")


def gate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--piv", "-p", "no:cacheprovider", *FAST, *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.mark.slow
def test_a_benchmark_the_gate_judges_regressed_is_profiled_before_and_after(shop: Path) -> None:
    with (shop / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('[tool.piv.rgr]\nmode = "off"\n[tool.piv.bench]\nthreshold = "50%"\n')
    assert gate(shop).returncode == 0
    work = shop / "src" / "shop" / "work.py"
    work.write_text(WORK.replace("range(n):  # middle", "range(n * 10):  # middle"))
    done = gate(shop)
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    start = lines.index(next(ln for ln in lines if "piv profile: what got slower" in ln))
    table = lines[start:]
    assert table[1].startswith("share of time, base ")
    assert table[3].split()[3:] == ["middle", "src/shop/work.py"]


@pytest.mark.slow
def test_the_regression_profile_can_be_turned_off(shop: Path) -> None:
    with (shop / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write(
            '[tool.piv.rgr]\nmode = "off"\n[tool.piv.bench]\nthreshold = "50%"\n'
            "[tool.piv.profile]\non_regression = false\n"
        )
    assert gate(shop).returncode == 0
    work = shop / "src" / "shop" / "work.py"
    work.write_text(WORK.replace("range(n):  # middle", "range(n * 10):  # middle"))
    done = gate(shop)
    assert done.returncode == 1
    assert "what got slower" not in done.stdout


@pytest.mark.slow
def test_piv_bench_ab_profiles_a_regressed_benchmark_before_and_after(shop: Path) -> None:
    with (shop / "pyproject.toml").open("a", encoding="utf-8") as config:
        # enough samples of the benchmark itself that start-up imports cannot outweigh it
        config.write('[tool.piv.bench]\nthreshold = "50%"\n[tool.piv.profile]\nrate = 250\n')
    git(shop, "commit", "-qam", "settings")
    work = shop / "src" / "shop" / "work.py"
    work.write_text(WORK.replace("range(n):  # deep", "range(n * 10):  # deep"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest_piv", "bench", "ab", "--base", "HEAD", "--pairs", "2",
         "--", "--benchmark-max-time=0.5", "--benchmark-min-rounds=30"],
        cwd=shop, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    start = lines.index("share of time, base HEAD -> working tree (test_bench.py::test_entry):")
    assert lines[start + 2].split()[3:] == ["deep", "src/shop/work.py"]
