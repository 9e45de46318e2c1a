"""Where ``pytest --piv`` spends its extra instructions, phase by phase (callgrind).

``instruction_count.py`` gives the total; this splits it. A small pytest plugin asks
callgrind to dump its counters at the boundaries of pytest's phases (the configuration,
session start, collection, piv's judging ahead at the end of collection, the test loop,
session finish, unconfigure), through a client request compiled into a tiny shared
library (it needs gcc and valgrind's ``callgrind.h``). One plain and one ``--piv`` run of
the generated project, after a warm-up of each, run side by side. Run on demand::

    .venv/bin/python benchmarks/phase_instructions.py --modules 2000   # about 5 minutes

Python's cyclic garbage collector runs when allocations reach its thresholds, so a phase
that allocates can pay for a collection that another phase would otherwise have paid
for: read the phases as where the work lands, and the total as what it costs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from generate_project import generate
from instruction_count import COMMAND, _env

DUMPER = r"""
#include <valgrind/callgrind.h>
void dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
"""

PLUGIN = """
import ctypes, pytest
_dump = ctypes.CDLL(LIBRARY).dump
def dump(label):
    _dump(label.encode())
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # piv's own pytest_configure (tryfirst too, and registered later) has run already
    dump("1 start-up, options, conftests, piv's configure (config, imports, store)")
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionstart(session):
    dump("2 the other plugins' configure"); yield; dump("3 session start")
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_collection_finish(session):
    dump("4 collection"); yield; dump("5 end of collection (piv: judging ahead)")
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtestloop(session):
    dump("6 until the test loop"); yield; dump("7 test loop")
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    dump("8 until session finish"); yield; dump("9 session finish (piv: the write)")
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_unconfigure(config):
    dump("10 until unconfigure"); yield; dump("11 unconfigure")
"""


def _phases(directory: Path, prefix: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for dump in directory.glob(f"{prefix}.*"):
        text = dump.read_text(errors="replace")
        label = re.search(r"^desc: Trigger: (?:Client Request: )?(.*)$", text, re.MULTILINE)
        total = re.search(r"^summary: (\d+)", text, re.MULTILINE)
        if label is None or total is None:
            continue
        name = label.group(1)
        if name == "Program termination":
            name = "12 exit"
        # the process's own dumps only: git and the other children write their own files
        found[name] = found.get(name, 0) + int(total.group(1))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=2000)
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("gcc") is None:
        raise SystemExit("valgrind and gcc are needed")
    with tempfile.TemporaryDirectory(prefix="piv-phases-") as scratch_dir:
        scratch = Path(scratch_dir)
        (scratch / "dump.c").write_text(DUMPER)
        library = scratch / "libpivdump.so"
        built = subprocess.run(
            ["gcc", "-shared", "-fPIC", "-O2", "-o", str(library), str(scratch / "dump.c")],
            capture_output=True,
            text=True,
        )
        if built.returncode != 0:
            raise SystemExit(f"cannot build the dump library:\n{built.stderr}")
        plugin = f"LIBRARY = {str(library)!r}\n" + PLUGIN
        (scratch / "piv_phase_dump.py").write_text(plugin)
        root = generate(scratch / "project", args.modules)
        for extra in ((), ("--piv",), (), ("--piv",)):
            subprocess.run([*COMMAND, *extra], cwd=root, env=_env(), capture_output=True)
        out = scratch / "dumps"
        out.mkdir()
        env = {**_env(), "PYTHONPATH": str(scratch)}
        running = [
            subprocess.Popen(
                [
                    "valgrind",
                    "--tool=callgrind",
                    "--trace-children=no",
                    f"--callgrind-out-file={out}/{name}.%p",
                    *COMMAND,
                    "-p",
                    "piv_phase_dump",
                    *extra,
                ],
                cwd=root,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name, extra in (("plain", ()), ("piv", ("--piv",)))
        ]
        if any(process.wait() != 0 for process in running):
            raise SystemExit("a run under valgrind failed")
        plain, piv = _phases(out, "plain"), _phases(out, "piv")
    order = sorted(set(plain) | set(piv), key=lambda name: int(name.split()[0]))
    print(f"{'phase':60s} {'plain':>10s} {'--piv':>10s} {'extra':>10s}")
    for name in order:
        a, b = plain.get(name, 0), piv.get(name, 0)
        print(f"{name:60s} {a / 1e6:9.1f}M {b / 1e6:9.1f}M {(b - a) / 1e6:+9.1f}M")
    total_plain, total_piv = sum(plain.values()), sum(piv.values())
    print(
        f"{'total':60s} {total_plain / 1e6:9.1f}M {total_piv / 1e6:9.1f}M "
        f"{(total_piv - total_plain) / 1e6:+9.1f}M ({100 * (total_piv / total_plain - 1):+.2f} %)"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
