"""How often each benchmark gate cries wolf, and how often it catches a real slowdown.

A benchmark of the gates, not a timed test. It builds a throw-away git project with four
pytest-benchmark tests of about 10 us, 100 us, 1 ms and 10 ms per call (a pure-Python
loop; no sleeps), then, for each repetition, measures:

* **pytest-benchmark** ``--benchmark-compare-fail=mean:10%`` and ``min:10%``: the verdict
  of pytest-benchmark's own ``PercentageRegressionCheck`` on the current run's JSON
  against a baseline run's JSON (what ``--benchmark-compare-fail`` evaluates);
* **pytest-piv stored mode**: ``pytest --piv`` against a baseline recorded by the
  repetition's baseline run (same runs as pytest-benchmark's);
* **pytest-piv A/B mode**: ``piv bench ab --base HEAD``;

each on unchanged code and with the loop made 10 % and 25 % longer (a code change in
the working tree). It prints false-alarm and detection rates side by side.

``--hogs N`` adds the loaded-machine case: N CPU-bound neighbour processes run during
every baseline and every check. ``--baseline save`` makes stored mode's baseline with
``piv bench baseline save`` after the first run instead of the first run's own. The time
stored mode spends escalating undecided benchmarks to A/B is reported, and so is a plain
pytest-benchmark run of the suite (no piv) to set A/B's time against.

    .venv/bin/python benchmarks/bench_regressions.py --reps 20
    .venv/bin/python benchmarks/bench_regressions.py --reps 20 --hogs 1 --baseline save
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pytest_benchmark.utils import PercentageRegressionCheck

SIZES = {"10us": 10e-6, "100us": 100e-6, "1ms": 1e-3, "10ms": 10e-3}
VARIANTS = {"unchanged": 1.0, "+10%": 1.10, "+25%": 1.25}
PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["."]

[tool.piv.rgr]
mode = "off"
"""
WORK = """\
FACTOR = {factor!r}


def spin(n):
    total = 0
    for i in range(int(n * FACTOR)):
        total += i * i
    return total
"""
TEST = """\
import work

{tests}
"""
ONE_TEST = """
def test_{name}(benchmark):
    benchmark(work.spin, {n})
"""


def spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def loop_cost() -> float:
    """Seconds per iteration of the workload's loop on this machine (best of several)."""
    best = float("inf")
    for _ in range(7):
        start = time.perf_counter()
        spin(200_000)
        best = min(best, (time.perf_counter() - start) / 200_000)
    return best


@dataclass
class Tally:
    """Per variant and benchmark size: how many runs flagged it, out of how many."""

    flagged: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    runs_flagged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    runs: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: list[float] = field(default_factory=list)
    seconds_by: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    escalated: int = 0
    escalation_seconds: list[float] = field(default_factory=list)

    def add(self, variant: str, regressed: set[str], seconds: float) -> None:
        self.runs[variant] += 1
        self.runs_flagged[variant] += bool(regressed)
        for size in regressed:
            self.flagged[(variant, size)] += 1
        self.seconds.append(seconds)
        self.seconds_by[variant].append(seconds)


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=env, check=False, timeout=1800
    )
    return done.returncode, done.stdout + done.stderr


class Project:
    def __init__(self, root: Path, cost: float) -> None:
        self.root = root
        root.mkdir(parents=True)
        (root / "pyproject.toml").write_text(PYPROJECT)
        (root / ".gitignore").write_text(".piv/\n__pycache__/\n*.json\n.benchmarks/\n")
        counts = {name: max(1, round(seconds / cost)) for name, seconds in SIZES.items()}
        tests = "".join(ONE_TEST.format(name=name, n=n) for name, n in counts.items())
        (root / "test_suite.py").write_text(TEST.format(tests=tests))
        self.set_factor(1.0)
        for args in (["init", "-q"], ["add", "-A"]):
            run(["git", *args], root)
        run(["git", "-c", "user.email=h@x", "-c", "user.name=h", "commit", "-qm", "base"], root)

    def set_factor(self, factor: float) -> None:
        (self.root / "work.py").write_text(WORK.format(factor=factor))

    def pytest(self, *args: str) -> tuple[int, str, float]:
        start = time.monotonic()
        code, out = run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], self.root
        )
        return code, out, time.monotonic() - start

    def piv_regressed(self) -> set[str]:
        with sqlite3.connect(self.root / ".piv" / "piv.db") as conn:
            rows = conn.execute(
                "SELECT name FROM bench_verdicts WHERE verdict = 'regressed' AND run_id ="
                " (SELECT MAX(id) FROM bench_runs WHERE source = 'pytest')"
            ).fetchall()
        return {name.rsplit("_", 1)[-1] for (name,) in rows}


#: What stored mode prints when it escalates undecided benchmarks to an A/B run.
ESCALATED = re.compile(r"stored mode could not decide .*? \(A/B, (\d+) pairs in ([0-9.]+)s\)")


def hogs(count: int) -> list[subprocess.Popen[bytes]]:
    """CPU-bound neighbour processes (the loaded-machine case); the caller stops them."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def stats_by_size(path: Path) -> dict[str, dict[str, float]]:
    data = json.loads(path.read_text())
    return {b["name"].rsplit("_", 1)[-1]: b["stats"] for b in data["benchmarks"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=20, help="repetitions of every variant")
    parser.add_argument("--modes", default="stored,ab", help="stored, ab or both")
    parser.add_argument("--pairs", type=int, default=None, help="A/B process pairs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the project and its store")
    parser.add_argument("--hogs", type=int, default=0, help="CPU-bound neighbour processes")
    parser.add_argument(
        "--loop-ns",
        type=float,
        default=None,
        help="the loop's cost per iteration in ns (default: measured at start; a busy start"
        " makes every benchmark smaller than its name, so give it when harnesses share a"
        " machine)",
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=0.0,
        help="start no repetition after this many minutes (0: no limit); says how many ran",
    )
    parser.add_argument(
        "--baseline",
        choices=("first", "save"),
        default="first",
        help="stored mode's baseline: the first run's, or `piv bench baseline save`",
    )
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="which of unchanged,+10%%,+25%% to run (default: all)",
    )
    args = parser.parse_args()
    variants = [v for v in VARIANTS if v in args.variants.split(",")]
    modes = set(args.modes.split(","))
    rng = random.Random(args.seed)
    # stopped with SIGTERM, still stop the neighbours and remove the scratch project
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cost = args.loop_ns * 1e-9 if args.loop_ns else loop_cost()
    print(f"loop cost {cost * 1e9:.1f} ns/iteration; load {os.getloadavg()}", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="piv-harness-"))
    project = Project(scratch / "project", cost)
    tallies = {name: Tally() for name in ("mean:10%", "min:10%", "piv stored", "piv A/B")}
    checks = {
        "mean:10%": PercentageRegressionCheck("mean", 10),  # type: ignore[no-untyped-call]
        "min:10%": PercentageRegressionCheck("min", 10),  # type: ignore[no-untyped-call]
    }
    plain: list[float] = []
    plain_runs: list[float] = []
    refused = 0
    neighbours = hogs(args.hogs)
    started = time.monotonic()
    try:
        for rep in range(args.reps):
            if args.minutes and time.monotonic() - started > args.minutes * 60:
                print(f"time limit of {args.minutes:g} min reached after {rep} repetitions")
                break
            order = list(variants)
            rng.shuffle(order)
            project.set_factor(1.0)
            _, _, seconds = project.pytest("-p", "no:piv")
            plain_runs.append(seconds)
            if "stored" in modes:
                if (project.root / ".piv").exists():
                    (project.root / ".piv").rename(scratch / f"piv-{rep}")
                project.set_factor(1.0)
                _, _, seconds = project.pytest("--piv", "--benchmark-json=base.json")
                plain.append(seconds)
                base = stats_by_size(project.root / "base.json")
                if args.baseline == "save":
                    save = [sys.executable, "-m", "pytest_piv", "bench", "baseline", "save"]
                    code, out = run(save, project.root)
                    if code == 1:
                        refused += 1
                        code, out = run([*save, "--force"], project.root)
                    if code != 0:
                        print(f"piv bench baseline save failed:\n{out[-2000:]}")
                for variant in order:
                    project.set_factor(VARIANTS[variant])
                    _, out, seconds = project.pytest("--piv", "--benchmark-json=cur.json")
                    current = stats_by_size(project.root / "cur.json")
                    for name, check in checks.items():
                        flagged = {s for s in SIZES if check.fails(current[s], base[s])}  # type: ignore[no-untyped-call]
                        tallies[name].add(variant, flagged, seconds)
                    tallies["piv stored"].add(variant, project.piv_regressed(), seconds)
                    escalation = ESCALATED.search(out)
                    if escalation:
                        tallies["piv stored"].escalated += 1
                        tallies["piv stored"].escalation_seconds.append(float(escalation[2]))
            if "ab" in modes:
                for variant in order:
                    project.set_factor(VARIANTS[variant])
                    command = [
                        sys.executable,
                        "-m",
                        "pytest_piv",
                        "bench",
                        "ab",
                        "--base",
                        "HEAD",
                        "--json",
                    ]
                    if args.pairs:
                        command += ["--pairs", str(args.pairs)]
                    start = time.monotonic()
                    _, out = run(command, project.root)
                    seconds = time.monotonic() - start
                    if "{" not in out:
                        print(f"piv bench ab failed, run not counted:\n{out[-2000:]}")
                        continue
                    data = json.loads(out[out.index("{") : out.rindex("}") + 1])
                    if args.keep:
                        log = scratch / f"ab-{rep}-{variant}.json"
                        log.write_text(json.dumps(data, indent=1))
                    flagged = {
                        b["name"].rsplit("_", 1)[-1]
                        for b in data["benchmarks"]
                        if b["verdict"] == "regressed"
                    }
                    tallies["piv A/B"].add(variant, flagged, seconds)
            project.set_factor(1.0)
            elapsed = time.monotonic() - started
            print(
                f"rep {rep + 1}/{args.reps} done after {elapsed:.0f}s; load "
                f"{os.getloadavg()[0]:.2f}",
                flush=True,
            )
    finally:
        for neighbour in neighbours:
            neighbour.kill()
            neighbour.wait()
        if args.keep:
            print(f"kept {project.root}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"\nload: {os.getloadavg()}; {args.hogs} CPU-bound neighbour process(es)")
    print_table(tallies, args.reps)
    stored = tallies["piv stored"]
    if stored.seconds:
        spent = stored.escalation_seconds
        print(
            f"\nstored mode escalated to A/B in {stored.escalated}/{len(stored.seconds)} runs"
            + (
                f", adding {sum(spent) / len(spent):.1f}s on average (max {max(spent):.1f}s)"
                if spent
                else ""
            )
            + f"; baseline: {args.baseline}"
            + (
                f" ({refused} refused as too noisy, then --force)"
                if args.baseline == "save"
                else ""
            )
        )
    if plain_runs:
        ab = tallies["piv A/B"].seconds
        typical = sum(plain_runs) / len(plain_runs)
        for variant, spent in tallies["piv A/B"].seconds_by.items():
            mean = sum(spent) / len(spent)
            print(f"A/B on {variant} code: {mean:.1f}s per run ({mean / typical:.2f}x a plain run)")
        print(
            f"a plain pytest-benchmark run (no piv) took {sum(plain_runs) / len(plain_runs):.1f}s"
            + (
                f"; an A/B run {sum(ab) / len(ab):.1f}s "
                f"({sum(ab) / len(ab) / (sum(plain_runs) / len(plain_runs)):.1f}x)"
                if ab
                else ""
            )
        )
    if plain:
        print(
            f"\nA baseline run (pytest-benchmark, first `pytest --piv` run, no comparison) took "
            f"{sum(plain) / len(plain):.1f}s on average; the stored-mode rows share one "
            "`pytest --piv` process per run, including piv's re-measure when one happens."
        )


def print_table(tallies: dict[str, Tally], reps: int) -> None:
    def rate(hits: int, total: int) -> str:
        return f"{hits}/{total} ({100 * hits / total:.0f}%)" if total else "-"

    def flagged(t: Tally, variant: str, sizes: list[str]) -> str:
        hits = sum(t.flagged[(variant, s)] for s in sizes)
        return rate(hits, t.runs[variant] * len(sizes))

    sub_ms = [s for s, seconds in SIZES.items() if seconds < 1e-3]
    print(f"\n{reps} repetitions of each variant; benchmarks {', '.join(SIZES)}\n")
    print(
        "| gate | false-alarm suite runs (unchanged) | false alarms, sub-ms benchmarks |"
        " detect +10% | detect +25% | seconds per run |"
    )
    print("|---|---|---|---|---|---|")
    active = {name: t for name, t in tallies.items() if t.seconds}
    for name, t in active.items():
        cells = [
            name,
            rate(t.runs_flagged["unchanged"], t.runs["unchanged"]),
            flagged(t, "unchanged", sub_ms),
            flagged(t, "+10%", list(SIZES)),
            flagged(t, "+25%", list(SIZES)),
            f"{sum(t.seconds) / len(t.seconds):.1f}",
        ]
        print("| " + " | ".join(cells) + " |")
    print("\nPer benchmark (false alarms on unchanged / detection of +10% / of +25%):\n")
    print("| gate | " + " | ".join(SIZES) + " |")
    print("|---|" + "---|" * len(SIZES))
    for name, t in active.items():
        cells = [
            " / ".join(str(t.flagged[(variant, size)]) for variant in ("unchanged", "+10%", "+25%"))
            + f" of {t.runs['unchanged']}"
            for size in SIZES
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
