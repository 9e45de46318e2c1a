"""`piv verify` on a real project's history, against running its suite once per commit.

Usage: python benchmarks/verify_history.py --repo PATH [--range HEAD~22..HEAD]

The repository is cloned into a scratch directory (never changed). Reported, in wall
seconds: the whole suite once per first-parent commit of the range (plain pytest, what a
naive verifier costs); a cold `piv verify` (empty cache); a warm re-run (everything
cached); and a re-run after amending the last commit. docs/verify.md has the results.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def _timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    return time.perf_counter() - started


def _per_commit_suite(repo: Path, base: str, head: str) -> tuple[float, int]:
    shas = _git(repo, "rev-list", "--first-parent", "--reverse", f"{base}..{head}").split()
    tree = Path(tempfile.mkdtemp(prefix="piv-bench-wt-")) / "wt"
    _git(repo, "worktree", "add", "-q", "--detach", str(tree), base)
    env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{tree}"}
    total = 0.0
    try:
        for sha in shas:
            _git(tree, "checkout", "-q", "--force", "--detach", sha)
            total += _timed(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tree, env
            )
    finally:
        _git(repo, "worktree", "remove", "--force", str(tree))
    return total, len(shas)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--range", default="HEAD~22..HEAD", dest="spec")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="piv-bench-verify-"))
    clone = scratch / "clone"
    subprocess.run(["git", "clone", "-q", str(args.repo), str(clone)], check=True)
    _git(clone, "config", "user.email", "bench@example.com")
    _git(clone, "config", "user.name", "bench")
    base_ref, _, head_ref = args.spec.partition("..")
    base, head = _git(clone, "rev-parse", base_ref), _git(clone, "rev-parse", head_ref or "HEAD")
    piv = [sys.executable, "-m", "pytest_piv", "verify", "--no-rerun", f"{base}..HEAD"]
    try:
        suite, commits = _per_commit_suite(clone, base, head)
        print(f"range {args.spec}: {commits} first-parent commits; load {os.getloadavg()[0]:.1f}")
        print(f"whole suite once per commit: {suite:.1f} s")
        print(f"piv verify, cold:            {_timed(piv, clone):.1f} s")
        print(f"piv verify, warm re-run:     {_timed(piv, clone):.1f} s")
        # the largest module outside the tests: code the tests run, in any layout
        tracked = _git(clone, "ls-files", "*.py").split()
        modules = [clone / p for p in tracked if not p.startswith(("tests/", "test/", "docs/"))]
        source = max(modules, key=lambda p: p.stat().st_size)
        source.write_text(source.read_text(encoding="utf-8") + "\n# amended\n", encoding="utf-8")
        _git(clone, "commit", "-q", "-a", "--amend", "--no-edit")
        print(f"piv verify, amended last:    {_timed(piv, clone):.1f} s")
        print(f"load at the end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
