"""Check: pytest-cov measures the same with ``--piv`` beside it, on a real third-party suite.

piv must never start a second tracer beside pytest-cov, whatever form ``--cov`` takes
(issue 10). For each form of ``--cov`` (bare, ``--cov=PKG``), serial and with ``-n 2``,
this runs the suite with pytest-cov alone and with ``--piv`` added (the project gets a
``[tool.piv.coverage] fail_under = 0`` table, so piv's gate is on), has pytest-cov write
its JSON report each time, and compares the reports file by file: statements, executed
and missing lines, branches. Any difference is printed and makes the exit status 1.

The project is not committed here: unpack an sdist (``pip download --no-deps
--no-binary :all: attrs``) and install it, pytest-piv, pytest-cov, pytest-xdist and the
suite's test dependencies into a virtualenv, then::

    /tmp/venv/bin/python benchmarks/coverage_same_numbers.py \\
        --project /tmp/attrs-26.1.0 --package attr tests/test_funcs.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

#: switches the coverage gate on (so piv would measure, were pytest-cov not there)
PIV_TABLE = """

[tool.piv.rgr]
mode = "off"

[tool.piv.coverage]
fail_under = 0
"""
FIELDS = (
    "num_statements",
    "covered_lines",
    "missing_lines",
    "excluded_lines",
    "num_branches",
    "covered_branches",
    "num_partial_branches",
)


def prepare(project: Path) -> None:
    """Switch the coverage gate on in the project, and make it a git repository."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    if "[tool.piv" not in text:
        pyproject.write_text(text + PIV_TABLE, encoding="utf-8")
    if (project / ".git").exists():
        return
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "sdist"]):
        subprocess.run(
            ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args],
            cwd=project,
            check=True,
        )


def measure(project: Path, out: Path, args: list[str]) -> dict[str, dict[str, object]]:
    """pytest-cov's per-file JSON report of one run."""
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [f"--cov-report=json:{out}", *args]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    if not out.is_file():
        raise SystemExit(f"{' '.join(args)}: no report (exit {done.returncode})\n{done.stdout}")
    files = json.loads(out.read_text())["files"]
    return {
        name: {
            **{f: data["summary"].get(f) for f in FIELDS},
            "executed": sorted(data["executed_lines"]),
        }
        for name, data in files.items()
    }


def compare(
    alone: dict[str, dict[str, object]], with_piv: dict[str, dict[str, object]]
) -> list[str]:
    differences = []
    for name in sorted(set(alone) | set(with_piv)):
        a, b = alone.get(name), with_piv.get(name)
        if a != b:
            differences.append(f"    {name}: --cov alone {_brief(a)}; with --piv {_brief(b)}")
    return differences


def _brief(entry: dict[str, object] | None) -> str:
    if entry is None:
        return "not measured"
    return f"{entry['num_statements']} stmts, {entry['missing_lines']} missed"


def _missed(report: dict[str, dict[str, object]]) -> int:
    return sum(int(str(entry["missing_lines"])) for entry in report.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="the unpacked project")
    parser.add_argument("--package", required=True, help="the PKG of --cov=PKG")
    parser.add_argument("--serial-only", action="store_true", help="skip the -n 2 runs")
    parser.add_argument("tests", nargs="*", help="test paths and extra pytest arguments")
    options = parser.parse_args(argv)
    project = options.project.resolve()
    prepare(project)
    out = project / "cov-compare.json"
    failed = False
    for cov in (["--cov"], [f"--cov={options.package}"]):
        for xdist in ([], ["-n", "2"])[: 1 if options.serial_only else 2]:
            # the tests first: a bare --cov would take a path after it as its value
            args = [*options.tests, *cov, *xdist]
            alone = measure(project, out, args)
            with_piv = measure(project, out, [*args, "--piv"])
            differences = compare(alone, with_piv)
            label = " ".join([*cov, *xdist])
            print(
                f"{label:<22} files {len(alone):>3} / {len(with_piv):>3}   missed lines "
                f"{_missed(alone):>5} / {_missed(with_piv):>5}   files differing "
                f"{len(differences)}",
                flush=True,
            )
            for line in differences:
                print(line)
            sys.stdout.flush()
            failed = failed or bool(differences)
    out.unlink(missing_ok=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
