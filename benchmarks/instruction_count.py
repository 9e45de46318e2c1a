"""What ``pytest --piv`` costs over ``pytest``, in CPU instructions (valgrind's callgrind).

Wall time on a shared virtual machine moves by 10 % between identical runs, more than the
5 % budget being checked. Instructions executed do not: this counts them for one plain and
one ``--piv`` run of the generated project (after a warm-up of each, so that the store is
adopted and bytecode is cached), in the pytest process itself (git's processes are not
counted; their wall time overlaps with collection). Run on demand::

    .venv/bin/python benchmarks/instruction_count.py --modules 300

It takes about 50 times the run's own time (a 2,000-module project: about 5 minutes).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from generate_project import generate

COMMAND = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def instructions(root: Path, *extra: str) -> int:
    with tempfile.TemporaryDirectory(prefix="piv-callgrind-") as scratch:
        out = Path(scratch) / "callgrind.out"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *COMMAND, *extra],
            cwd=root,
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        counts = [int(n.replace(",", "")) for n in re.findall(r"refs:\s+([\d,]+)", done.stderr)]
    if done.returncode != 0 or not counts:
        tail = (done.stdout + done.stderr)[-2000:]
        raise SystemExit(f"the run under valgrind failed:\n{tail}")
    return max(counts)  # the pytest process: the largest of the processes valgrind reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=2000)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    with tempfile.TemporaryDirectory(prefix="piv-instructions-") as scratch:
        root = generate(Path(scratch) / "project", args.modules)
        for extra in ((), ("--piv",), (), ("--piv",)):
            subprocess.run([*COMMAND, *extra], cwd=root, env=_env(), capture_output=True)
        plain = instructions(root)
        piv = instructions(root, "--piv")
    print(f"{args.modules} tests: pytest {plain:,} instructions, pytest --piv {piv:,}")
    per_test = (piv - plain) / args.modules
    print(f"overhead {100 * (piv / plain - 1):+.2f} % ({per_test:,.0f} per test)")


if __name__ == "__main__":
    main()
