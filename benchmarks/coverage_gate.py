"""Benchmark: the coverage gate's cost on a real third-party suite (python-dateutil).

Downloads python-dateutil's sdist from PyPI (its code is not committed here), adds
``[tool.piv.coverage]`` rules to its pyproject.toml, and times, alternating, ``--repeat``
times each:

* ``pytest --cov=dateutil``                     (pytest-cov alone: the reference)
* ``pytest --cov=dateutil --piv``               (the gate judging pytest-cov's data)
* ``pytest --piv``                              (the gate with its own tracer)

then the report alone: ``measure_source`` + ``evaluate`` in-process, and the
``piv coverage check`` command end to end.

Run it from a virtualenv with pytest-piv and the suite's test dependencies::

    python -m venv /tmp/bench/venv
    /tmp/bench/venv/bin/pip install -e . pytest-cov hypothesis freezegun attrs
    /tmp/bench/venv/bin/python benchmarks/coverage_gate.py --workdir /tmp/bench --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

PACKAGE = "python-dateutil==4.0.0"
PIV_TABLE = """

[tool.piv.rgr]
mode = "off"

[tool.piv.coverage]
fail_under = 50

[[tool.piv.coverage.rule]]
module = "dateutil.parser"
min = 80

[[tool.piv.coverage.rule]]
path = "src/dateutil/tz/**"
min = 70

[[tool.piv.coverage.rule]]
path = "src/dateutil/zoneinfo/**"
min = 40
per = "file"
"""
COMMON = ["-q", "-p", "no:cacheprovider", "--hypothesis-seed=0"]
CONFIGS = {
    "pytest --cov": ["--cov=dateutil"],
    "pytest --cov --piv": ["--cov=dateutil", "--piv"],
    "pytest --piv": ["--piv"],
}


def prepare(workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    existing = sorted(workdir.glob("python_dateutil-*/pyproject.toml"))
    if existing:
        return existing[0].parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-d",
            str(workdir),
            PACKAGE,
        ],
        check=True,
    )
    (archive,) = workdir.glob("python_dateutil-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    project = next(p for p in workdir.glob("python_dateutil-*") if p.is_dir())
    with (project / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write(PIV_TABLE)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", str(project)], check=True)
    return project


def _env() -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE (set on some CI and sandbox machines) would recompile every
    # module and re-rewrite every test file on each run, unlike a developer's machine
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONHASHSEED": "0"}


def run(project: Path, args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *COMMON, *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=_env(),
    )
    elapsed = time.perf_counter() - start
    return elapsed, done.stdout.strip().splitlines()[-1]


def report_time(project: Path) -> dict[str, float]:
    code = (
        "import os, time\n"
        "from pathlib import Path\n"
        "from pytest_piv.config import load_config\n"
        "from pytest_piv.coverage.check import evaluate, measure_source\n"
        "from pytest_piv.coverage.measured import coverage_for, read_data\n"
        "root = Path.cwd()\n"
        "t0 = time.perf_counter()\n"
        "piv = load_config(root, env={})\n"
        "cov = coverage_for(root)\n"
        "m = measure_source(piv, read_data([root / '.coverage']), cov)\n"
        "v = evaluate(piv, m, scope='whole', env={})\n"
        "print(time.perf_counter() - t0, len(m.files))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True
    )
    seconds, files = done.stdout.split()
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("piv")), "coverage", "check"],
        cwd=project,
        capture_output=True,
        check=False,
    )
    cli = time.perf_counter() - start
    return {"in_process_s": float(seconds), "files": float(files), "piv_coverage_check_s": cli}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/piv-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--own-tracer",
        action="store_true",
        help="also time `pytest --piv` with piv's own tracer (not part of the 3 %% target)",
    )
    options = parser.parse_args()
    project = prepare(options.workdir)
    configs = {k: v for k, v in CONFIGS.items() if options.own_tracer or k != "pytest --piv"}
    times: dict[str, list[float]] = {name: [] for name in configs}
    outcome: dict[str, str] = {}
    for args in configs.values():  # warm the file cache, .pyc files and the piv store
        run(project, args)
    for _ in range(options.repeat):
        for name, args in configs.items():
            elapsed, last = run(project, args)
            times[name].append(elapsed)
            outcome[name] = last
    reference = times["pytest --cov"]
    print(f"python-dateutil suite in {project}, {options.repeat} runs each, median wall time")
    for name, samples in times.items():
        median = statistics.median(samples)
        overhead = (median / statistics.median(reference) - 1) * 100
        # each run against the reference run just before it: robust to slow drifts
        paired = statistics.median(b / a for a, b in zip(reference, samples, strict=True))
        print(
            f"  {name:20s} {median:7.2f} s  {overhead:+6.2f} %  paired {(paired - 1) * 100:+6.2f} %"
            f"  min {min(samples):7.2f} s  [{outcome[name]}]"
        )
    run(project, CONFIGS["pytest --cov --piv"])
    report = report_time(project)
    print(
        f"  report: {report['in_process_s']:.3f} s in process for {int(report['files'])} files; "
        f"piv coverage check {report['piv_coverage_check_s']:.3f} s end to end"
    )
    print(json.dumps({"times": times, "report": report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
