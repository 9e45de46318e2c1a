"""Benchmark: `piv validate` for a one-file change against whole-project and staged-only mypy.

Runs on a real typed project nobody here wrote: rich (Textualize/rich, about 38,000 lines
in ``rich/``, ``strict = true`` mypy), at a pinned commit. The change is a signature change
in ``rich/_loop.py`` (``loop_last`` gains a required parameter) that breaks its unchanged
callers in eleven other modules. Measured, once each (``--repeat`` for more):

- whole-project mypy, cold (no cache) and warm (cache built at HEAD, then the change);
- staged-only mypy (``mypy rich/_loop.py``, warm cache): what mirrors-mypy would run;
- ``dmypy`` (mypy's daemon, fine-grained mode): the first check, and the recheck after
  the change with the daemon warm;
- ``piv validate`` with the standard preset less its pytest step (rich's test suite is not
  what is measured here), in three cold-to-warm states: fully cold (no mypy cache at all,
  no piv state); "first piv run" (no piv state, but the project's ``.mypy_cache`` from the
  user's own ``mypy`` run at HEAD); warm with the HEAD baseline computed (first run after a
  new HEAD), warm with the baseline cached, and warm for a change that type-checks (one
  mypy run, no baseline needed).

And the common commit, a change inside a function body (``loop_last`` keeps its signature;
its interface is unchanged, so mypy re-analyses only the changed module): whole-project
mypy and ``piv validate`` from a cache at HEAD, and the first piv run (no piv state) in a
project whose developer has run mypy.

Then a second one-file change, where staged-only mypy misses the broken caller:
``pick_unit_and_suffix`` in ``rich/filesize.py`` becomes keyword-only after ``suffixes``,
which breaks its unchanged caller ``rich/progress.py``, a module that neither
``rich/filesize.py`` nor ``rich/__init__.py`` imports. Both outputs are printed.

Usage (``--repo`` is a clone of rich that has the commit)::

    .venv/bin/python benchmarks/validate_latency.py --repo /path/to/rich --workdir /tmp/piv-rich
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

COMMIT = "42899d8a0a96b121a514516f4be9db44ff7aeaf3"
CHANGED = "rich/_loop.py"
OLD = "def loop_last(values: Iterable[T]) -> Iterable[Tuple[bool, T]]:"
BREAKING = "def loop_last(values: Iterable[T], flag: bool) -> Iterable[Tuple[bool, T]]:"
HARMLESS = 'def loop_last(values: Iterable[T]) -> Iterable[Tuple[bool, T]]:  # "harmless"'
BODY_OLD = """    yield True, previous_value\n"""
BODY_NEW = """    last = previous_value\n    yield True, last\n"""
MISSED_FILE = "rich/filesize.py"
MISSED_OLD = (
    "def pick_unit_and_suffix(size: int, suffixes: List[str], base: int) -> Tuple[int, str]:"
)
MISSED_NEW = (  # as ruff format writes it, so only mypy has something to say
    "def pick_unit_and_suffix(\n"
    "    size: int, suffixes: List[str], *, base: int\n"
    ") -> Tuple[int, str]:"
)
CONFIG = """

[tool.piv.validate]
preset = "bench"

[tool.piv.validate.presets]
bench = { extends = "standard", remove = ["pytest"] }
"""


def sh(cwd: Path, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=check)


def prepare(repo: Path, workdir: Path) -> None:
    if not (workdir / ".git").exists():
        sh(Path.cwd(), "git", "clone", "-q", str(repo), str(workdir))
    sh(workdir, "git", "checkout", "-q", "-B", "piv-bench", COMMIT)
    pyproject = workdir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + CONFIG, encoding="utf-8")
    (workdir / ".git" / "info" / "exclude").write_text(
        ".piv/\n.venv/\n.dmypy.json\n", encoding="utf-8"
    )
    sh(workdir, "git", "-c", "user.email=b@b", "-c", "user.name=b", "commit", "-qam", "piv cfg")
    if not (workdir / ".venv" / "bin" / "mypy").exists():
        sh(workdir, sys.executable, "-m", "venv", ".venv")
        sh(workdir, ".venv/bin/pip", "install", "-q", "mypy", "ruff", "markdown-it-py", "pygments")


def edit(workdir: Path, line: str) -> None:
    path = workdir / CHANGED
    text = path.read_text(encoding="utf-8")
    for known in (OLD, BREAKING, HARMLESS):
        text = text.replace(known, line)
    path.write_text(text, encoding="utf-8")


def replace(workdir: Path, name: str, old: str, new: str) -> None:
    path = workdir / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def timed(workdir: Path, *argv: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = sh(workdir, *argv, check=False)
    return time.perf_counter() - started, done.stdout + done.stderr


def clear(workdir: Path, *names: str) -> None:
    for name in names:
        shutil.rmtree(workdir / name, ignore_errors=True)


Record = Callable[[str, float, str], None]


def measure_signature_change(workdir: Path, mypy: str, piv: list[str], record: Record) -> None:
    edit(workdir, OLD)
    clear(workdir, ".mypy_cache", ".piv")
    record("mypy whole project, cold", *timed(workdir, mypy))
    edit(workdir, BREAKING)
    record("mypy whole project, warm", *timed(workdir, mypy))
    record("mypy staged file only, warm", *timed(workdir, mypy, CHANGED))
    record("piv validate, warm, HEAD baseline computed", *timed(workdir, *piv))
    record("piv validate, warm, HEAD baseline cached", *timed(workdir, *piv))
    edit(workdir, HARMLESS)
    record("piv validate, warm, a change that type-checks", *timed(workdir, *piv))
    # the first piv run in a project whose developer runs mypy: its cache is at HEAD
    edit(workdir, OLD)
    clear(workdir, ".mypy_cache", ".piv")
    sh(workdir, mypy, check=False)
    edit(workdir, BREAKING)
    record("piv validate, no piv state, project .mypy_cache", *timed(workdir, *piv))
    clear(workdir, ".mypy_cache", ".piv")
    record("piv validate, fully cold (no mypy cache at all)", *timed(workdir, *piv))


def measure_body_only_change(workdir: Path, mypy: str, piv: list[str], record: Record) -> None:
    """The common commit: a body-only change, from a cache at HEAD."""
    edit(workdir, OLD)
    sh(workdir, mypy, check=False)
    sh(workdir, *piv, check=False)
    replace(workdir, CHANGED, BODY_OLD, BODY_NEW)
    record("piv validate, warm, a body-only change", *timed(workdir, *piv))
    replace(workdir, CHANGED, BODY_NEW, BODY_OLD)
    sh(workdir, mypy, check=False)
    replace(workdir, CHANGED, BODY_OLD, BODY_NEW)
    record("mypy whole project, warm, a body-only change", *timed(workdir, mypy))
    replace(workdir, CHANGED, BODY_NEW, BODY_OLD)
    clear(workdir, ".piv")
    sh(workdir, mypy, check=False)
    replace(workdir, CHANGED, BODY_OLD, BODY_NEW)
    record("piv validate, body-only, no piv state, project cache", *timed(workdir, *piv))
    replace(workdir, CHANGED, BODY_NEW, BODY_OLD)


def measure_dmypy(workdir: Path, record: Record) -> None:
    edit(workdir, OLD)
    dmypy = str(workdir / ".venv" / "bin" / "dmypy")
    sh(workdir, dmypy, "stop", check=False)
    clear(workdir, ".mypy_cache", ".dmypy.json")
    daemon = (dmypy, "run", "--", "rich")
    record("dmypy, daemon start + first check", *timed(workdir, *daemon))
    edit(workdir, BREAKING)
    record("dmypy, fine-grained recheck of the change", *timed(workdir, *daemon))
    sh(workdir, dmypy, "stop", check=False)


def show_missed_caller(workdir: Path, mypy: str, piv: list[str]) -> None:
    """A caller outside the changed file's import closure: staged-only mypy cannot see it."""
    replace(workdir, MISSED_FILE, MISSED_OLD, MISSED_NEW)
    print(f"\n=== change in {MISSED_FILE}: {MISSED_OLD!r} -> {MISSED_NEW!r}")
    for name, argv in (
        (f"$ mypy {MISSED_FILE}   (staged-only, as mirrors-mypy)", (mypy, MISSED_FILE)),
        ("$ piv validate", tuple(piv)),
    ):
        done = sh(workdir, *argv, check=False)
        print(f"\n--- {name}   exit {done.returncode}\n{(done.stdout + done.stderr).strip()}")
    replace(workdir, MISSED_FILE, MISSED_NEW, MISSED_OLD)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="a clone of Textualize/rich")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/piv-rich"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    workdir: Path = args.workdir.resolve()
    prepare(args.repo, workdir)
    mypy = str(workdir / ".venv" / "bin" / "mypy")
    piv = [sys.executable, "-m", "pytest_piv", "--root", str(workdir), "validate"]
    results: dict[str, list[float]] = {}
    outputs: dict[str, str] = {}

    def record(name: str, seconds: float, output: str) -> None:
        results.setdefault(name, []).append(seconds)
        outputs[name] = output

    for _ in range(args.repeat):
        measure_signature_change(workdir, mypy, piv, record)
        measure_body_only_change(workdir, mypy, piv, record)
        measure_dmypy(workdir, record)
    edit(workdir, OLD)

    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"rich @ {COMMIT[:12]}, change: {BREAKING!r} in {CHANGED}; load {' '.join(load)}")
    for name, values in results.items():
        print(f"{name:<48} {statistics.median(values):7.2f} s  (n={len(values)})")
    for name in ("mypy staged file only, warm", "piv validate, warm, HEAD baseline cached"):
        print(f"\n--- {name} ---\n{outputs[name].strip()[:3000]}")
    show_missed_caller(workdir, mypy, piv)


if __name__ == "__main__":
    main()
