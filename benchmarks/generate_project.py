"""Write a git project of N source modules and N test files, one test per module.

    python benchmarks/generate_project.py DEST [--modules 2000]

Each ``src/benchproj/mod_NNNN.py`` holds a small function; each ``tests/test_mod_NNNN.py``
imports its module and exercises that function. The project is committed and the index is
refreshed after a pause, so git's index is not "racily clean" (as in a project that has
existed for more than a second) and the tree-state digest sees the steady state.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

PYPROJECT = """\
[project]
name = "benchproj"
version = "0"

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
"""

MODULE = """\
\"\"\"Generated module {n}.\"\"\"


def compute_{n}(count: int) -> int:
    total = 0
    for i in range(count):
        if i % 3 == 0:
            total += i * {k}
        else:
            total -= 1
    return total
"""

TEST = """\
from benchproj.mod_{n} import compute_{n}


def test_compute_{n}_sums_every_third_multiple():
    expected = sum(i * {k} if i % 3 == 0 else -1 for i in range(10))
    assert compute_{n}(10) == expected
"""


def _git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)


def generate(dest: Path, modules: int = 2000) -> Path:
    """Write and commit the project at *dest* (which must not exist yet); return *dest*."""
    if dest.exists():
        raise SystemExit(f"{dest} exists; pass a new directory")
    package = dest / "src" / "benchproj"
    tests = dest / "tests"
    package.mkdir(parents=True)
    tests.mkdir()
    (dest / "pyproject.toml").write_text(PYPROJECT)
    (dest / ".gitignore").write_text(".piv/\n__pycache__/\n.pytest_cache/\n.benchmarks/\n")
    (package / "__init__.py").write_text("")
    for i in range(modules):
        n = f"{i:04d}"
        (package / f"mod_{n}.py").write_text(MODULE.format(n=n, k=i % 7 + 1))
        (tests / f"test_mod_{n}.py").write_text(TEST.format(n=n, k=i % 7 + 1))
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "feat: generated project")
    time.sleep(1.1)  # let the index be newer than every file, then refresh it
    _git(dest, "update-index", "-q", "--really-refresh")
    _git(dest, "status", "--porcelain")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--modules", type=int, default=2000)
    args = parser.parse_args(argv)
    generate(args.dest, args.modules)
    print(f"wrote {args.modules} modules and {args.modules} tests to {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
