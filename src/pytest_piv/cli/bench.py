"""``piv bench``: baselines, verdicts, history, A/B runs, export and import.

Exit codes: ``show`` and ``ab`` return 1 when a benchmark regressed (in ``enforce``
mode), so CI can gate on them; everything else returns 0, or 2 for a usage error.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path

import click

from pytest_piv.baselines import exchange, fresh
from pytest_piv.baselines.ab import ABOptions, Side, run_ab
from pytest_piv.baselines.machine import Fingerprint
from pytest_piv.baselines.verdicts import SETTLE, Comparison, Estimate, Summary, Verdict
from pytest_piv.baselines.worktree import checkout, head
from pytest_piv.cli.context import MAX_ID, echo_json, echo_line, open_store, project_config
from pytest_piv.config import PivConfig
from pytest_piv.errors import UsageError
from pytest_piv.report import bench as report
from pytest_piv.store import bench as store
from pytest_piv.store import connect
from pytest_piv.vcs import ref_problem

RUN_ID = click.IntRange(1, MAX_ID)
MAX_MACHINE = 200


def _machine_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--machine``: one line of printable text (it is stored and printed again)."""
    if value is not None and (
        not value.strip() or not value.isprintable() or len(value) > MAX_MACHINE
    ):
        raise click.BadParameter(
            f"{value!r}: expected a one-line machine key of at most {MAX_MACHINE} printable "
            "characters"
        )
    return value


GATE_FAILED = 1


@click.group("bench")
def bench_group() -> None:
    """Benchmark baselines and regressions (pytest-benchmark tests)."""


@bench_group.group("baseline")
def baseline_group() -> None:
    """The baseline later runs are compared with."""


def _machine(conn: sqlite3.Connection, piv: PivConfig, given: str | None) -> str:
    """The machine key to work on: --machine, else the config's name, else the latest run's."""
    if given:
        return given
    if piv.bench.machine:
        return piv.bench.machine
    latest = store.latest_run(conn)
    if latest is None:
        raise UsageError("no benchmark run recorded yet (hint: run `pytest --piv` first)")
    return latest.machine


def _emit(
    comparisons: list[Comparison],
    machine: str,
    what: str,
    as_json: bool,
    markdown: bool,
    piv: PivConfig,
) -> None:
    if as_json:
        echo_json(report.to_json(comparisons, machine=machine))
    elif markdown:
        click.echo(report.to_markdown(comparisons, machine=machine, what=what), nl=False)
    else:
        plain = bool(os.environ.get("NO_COLOR"))
        for line in report.terminal_lines(
            comparisons,
            machine=machine,
            what=f"{what} machine",
            mode=piv.bench.mode,
            inconclusive=piv.bench.inconclusive,
        ):
            colour = next((c for c in ("red", "yellow", "green") if line.markup.get(c)), None)
            click.echo(line.text if plain or colour is None else click.style(line.text, fg=colour))


def _gate(comparisons: list[Comparison], piv: PivConfig) -> int:
    """1 when a regression (or, with ``inconclusive = "fail"``, an undecided one) gates."""
    failing = {Verdict.REGRESSED}
    if piv.bench.inconclusive == "fail":
        failing.add(Verdict.INCONCLUSIVE)
    hit = any(c.verdict in failing for c in comparisons)
    return GATE_FAILED if hit and piv.bench.mode == "enforce" else 0


@baseline_group.command("save")
@click.option(
    "--machine",
    default=None,
    callback=_machine_key,
    help="the machine key (default: the latest run's)",
)
@click.option("--run", "run_id", type=RUN_ID, default=None, help="keep this recorded run instead")
@click.option("--last", type=click.IntRange(1, 50), default=None, help="keep the last N runs")
@click.option("--force", is_flag=True, help="save a baseline too noisy to gate (flagged)")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def save_command(
    ctx: click.Context,
    machine: str | None,
    run_id: int | None,
    last: int | None,
    force: bool,
    pytest_args: tuple[str, ...],
) -> int:
    """Measure a new baseline in fresh processes (or keep recorded runs) for a machine.

    By default the benchmarks of the latest run are measured again in
    ``baseline_processes`` fresh pytest processes, more while the fastest two disagree,
    as the first ``pytest --piv`` run does; a baseline still too noisy to gate is refused
    (exit 1) unless ``--force``. Arguments after ``--`` go to pytest.
    """
    piv = project_config(ctx)
    with contextlib.closing(open_store(piv)) as conn:
        key = _machine(conn, piv, machine)
        if run_id is not None or last is not None:
            return _keep_runs(conn, piv, key, machine, run_id, last or 1)
        latest = store.latest_run(conn, key)
        if latest is None:
            raise UsageError(f"no benchmark run on machine {key} (hint: run `pytest --piv`)")
        names = sorted(store.samples_of(conn, latest.id))
        found = fresh.measure(
            piv.root,
            names,
            list(pytest_args),
            piv.bench.baseline_processes,
            piv.bench.threshold_for,
        )
        if found.errors or not found.processes:
            why = found.errors[0] if found.errors else "nothing was measured"
            click.echo(f"piv: baseline not saved: {why}", err=True)
            return GATE_FAILED
        wide = fresh.too_wide(found.processes, piv.bench.threshold_for)
        count = len(found.processes)
        if wide and not force:
            click.echo(
                f"piv: baseline not saved: {fresh.describe(wide, count)} (hint: save it again "
                "when the machine is quieter, or --force to keep it flagged; the old baseline "
                "stays)",
                err=True,
            )
            return GATE_FAILED
        ids = []
        for process in found.processes:
            samples = {n: store.Samples(it, t) for n, (it, t) in process.items()}
            run = store.NewRun(key, latest.fingerprint, "baseline", head=head(piv.root))
            ids.append(store.record_run(conn, run, samples))
        moved = store.save_baseline(conn, key, ids)
    click.echo(
        f"piv: baseline of machine {key} is now measured in {count} fresh processes "
        f"(runs {', '.join(map(str, ids))}) for {len(moved)} benchmark(s)"
    )
    if wide:
        click.echo(f"piv: saved although too noisy to gate: {fresh.describe(wide, count)}")
    return 0


def _keep_runs(
    conn: sqlite3.Connection,
    piv: PivConfig,
    key: str,
    machine: str | None,
    run_id: int | None,
    last: int,
) -> int:
    """``--run`` / ``--last``: make recorded runs the baseline, flagged if they cannot gate."""
    if run_id is not None:
        run = store.run_by_id(conn, run_id)
        if run is None:
            raise UsageError(f"run {run_id}: no such benchmark run")
        runs = [run]
        key = machine or run.machine
    else:
        runs = store.recent_runs(conn, key, limit=last)
    if not runs:
        raise UsageError(f"no benchmark run on machine {key} (hint: run `pytest --piv`)")
    moved = store.save_baseline(conn, key, [r.id for r in runs])
    ids = ", ".join(str(r.id) for r in runs)
    echo_line(f"piv: baseline of machine {key} is now run {ids} for {len(moved)} benchmark(s)")
    if len(runs) == 1:
        click.echo(
            "piv: note: a baseline of one process cannot show how far a whole process drifts "
            "here (hint: piv bench baseline save without --run measures fresh processes)"
        )
        return 0
    processes = [
        {n: (s.iterations, s.times) for n, s in store.samples_of(conn, r.id).items()} for r in runs
    ]
    wide = fresh.too_wide(processes, piv.bench.threshold_for)
    if wide:
        click.echo(f"piv: note: {fresh.describe(wide, len(runs))}")
    return 0


def _stored_comparisons(conn: sqlite3.Connection, run: store.BenchRun) -> list[Comparison]:
    """The comparisons of a run, as they were judged and recorded."""

    def summary(values: tuple[float, float, int] | None) -> Summary | None:
        return None if values is None else Summary(*values)

    found = []
    for row in store.verdicts_of(conn, run.id):
        estimate = None
        if row.ratio is not None:
            low = row.low if row.low is not None else row.ratio
            high = row.high if row.high is not None else row.ratio
            estimate = Estimate(row.ratio, low, high, 0.0, None, None)
        found.append(
            Comparison(
                row.name,
                Verdict(row.verdict),
                row.threshold,
                summary(row.baseline),
                summary(row.current),
                estimate,
                row.reason,
                noisy=row.reason.startswith("too noisy"),
                settle=SETTLE["ab" if "(A/B" in row.reason else "stored"]
                if row.verdict == Verdict.INCONCLUSIVE.value
                else "",
            )
        )
    return found


@bench_group.command("show")
@click.option("--run", "run_id", type=RUN_ID, default=None, help="a run id (default: the latest)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--markdown", is_flag=True, help="a Markdown table (for a CI job summary)")
@click.pass_context
def show_command(ctx: click.Context, run_id: int | None, as_json: bool, markdown: bool) -> int:
    """The verdicts of the latest run; exits 1 if a benchmark regressed."""
    piv = project_config(ctx)
    with contextlib.closing(open_store(piv)) as conn:
        run = store.run_by_id(conn, run_id) if run_id is not None else store.latest_run(conn)
        if run is None:
            raise UsageError("no benchmark run recorded yet (hint: run `pytest --piv` first)")
        comparisons = _stored_comparisons(conn, run)
    _emit(comparisons, run.machine, f"of run {run.id} on", as_json, markdown, piv)
    return _gate(comparisons, piv)


@bench_group.command("history")
@click.argument("name")
@click.option(
    "--machine", default=None, callback=_machine_key, help="only runs on this machine key"
)
@click.option("--limit", type=click.IntRange(1, 1000), default=30, help="how many runs")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def history_command(
    ctx: click.Context, name: str, machine: str | None, limit: int, as_json: bool
) -> int:
    """The trend of one benchmark over runs (NAME may be a unique part of the name)."""
    piv = project_config(ctx)
    with contextlib.closing(open_store(piv)) as conn:
        known = store.known_names(conn)
        matches = [name] if name in known else [n for n in known if name in n]
        if len(matches) != 1:
            hint = ", ".join(matches[:5]) if matches else ", ".join(known[:5]) or "none yet"
            what = "matches several benchmarks" if matches else "matches no benchmark"
            raise UsageError(f"{name!r} {what} (known: {hint})")
        points = store.history(conn, matches[0], machine, limit)
    if as_json:
        echo_json({"name": matches[0], "runs": [p.__dict__ for p in points]})
        return 0
    echo_line(matches[0])
    first = points[0].min if points else 0.0
    for p in points:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(p.started))
        trend = f"{(p.min / first - 1) * 100:+6.1f}%" if first else ""
        mark = "*" if p.baseline else " "
        echo_line(
            f" {mark}run {p.run_id:>4}  {when}  {p.machine:<14} {(p.head or '-')[:10]:<10}"
            f"  min {report.format_time(p.min):>9} {trend}  median"
            f" {report.format_time(p.median):>9}  {p.rounds:>6} rounds"
            f"  {p.source if p.source != 'pytest' else ''}{p.verdict or ''}"
        )
    click.echo("  (* = in the baseline; % = min against the first run shown)")
    return 0


@bench_group.command("ab")
@click.option("--base", "ref", required=True, help="the git ref to compare with (e.g. main)")
@click.option("--pairs", type=click.IntRange(2, 100), default=None, help="fresh process pairs")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--markdown", is_flag=True, help="a Markdown table (for a CI job summary)")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def ab_command(
    ctx: click.Context,
    ref: str,
    pairs: int | None,
    as_json: bool,
    markdown: bool,
    pytest_args: tuple[str, ...],
) -> int:
    """Measure REF against the working tree, interleaved; exits 1 if a benchmark regressed.

    Arguments after ``--`` go to pytest in both checkouts (paths, -k, -m, ...).
    """
    problem = ref_problem(ref)
    if problem:
        raise UsageError(f"--base {ref!r}: expected a git ref ({problem})")
    piv = project_config(ctx)
    options = ABOptions(pairs=pairs or piv.bench.pairs, remeasure=piv.bench.remeasure)
    started = time.monotonic()

    def progress(text: str) -> None:
        click.echo(f"piv bench ab: {text}", err=True)

    with checkout(piv.root, ref) as base_root:
        done = run_ab(
            Side.of(base_root),
            Side.of(piv.root),
            pytest_args,
            options,
            piv.bench.threshold_for,
            piv.bench.alpha,
            progress=progress,
        )
    progress(f"done in {time.monotonic() - started:.1f}s; rounds timed as {done.clock}")
    comparisons = done.comparisons
    _emit(comparisons, ref, "against base", as_json, markdown, piv)
    for name, why in sorted(done.errors.items()):
        click.echo(f"piv bench ab: {name} was not compared: {why}", err=True)
    slower = [c.name for c in comparisons if c.verdict is Verdict.REGRESSED]
    if slower and piv.profile.on_regression and not as_json and not markdown:
        from pytest_piv.cli.profile import echo_regression_profiles

        echo_regression_profiles(piv, ref, slower, pytest_args)
    return _gate(comparisons, piv)


@bench_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--machine",
    default=None,
    callback=_machine_key,
    help="whose baseline (default: the latest run's)",
)
@click.pass_context
def export_command(ctx: click.Context, file: Path, machine: str | None) -> int:
    """Write a machine's baseline to FILE as sorted JSON (to commit or to import elsewhere)."""
    if not file.parent.is_dir():
        raise UsageError(f"{file}: cannot write the baseline: no directory {file.parent}")
    piv = project_config(ctx)
    with contextlib.closing(open_store(piv)) as conn:
        key = _machine(conn, piv, machine)
        base = store.baseline(conn, key)
        fields = store.baseline_machines(conn).get(key)
    if not base or fields is None:
        raise UsageError(f"machine {key} has no baseline (hint: piv bench baseline save)")
    entries = tuple(
        exchange.BaselineEntry(name, sum(len(r) for r in runs), tuple(t for r in runs for t in r))
        for name, runs in base.items()
    )
    baseline = exchange.BaselineFile(key, Fingerprint.from_json(fields), entries)
    try:
        file.write_text(exchange.dumps(baseline), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{file}: cannot write the baseline ({exc.strerror})") from None
    echo_line(f"piv: wrote the baseline of machine {key} ({len(entries)} benchmarks) to {file}")
    return 0


@bench_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--machine",
    default=None,
    callback=_machine_key,
    help="store it for this key (default: the file's)",
)
@click.pass_context
def import_command(ctx: click.Context, file: Path, machine: str | None) -> int:
    """Make the baseline in FILE (from `piv bench export`) a machine's baseline."""
    piv = project_config(ctx)
    baseline = exchange.read(file)
    key = machine or baseline.machine
    samples = {e.name: store.Samples(1, e.samples) for e in baseline.entries}
    with contextlib.closing(connect(piv.db)) as conn:
        run_id = store.record_run(
            conn, store.NewRun(key, baseline.fingerprint.to_json(), source="import"), samples
        )
        moved = store.save_baseline(conn, key, [run_id])
    echo_line(f"piv: imported {len(moved)} benchmark baselines for machine {key} from {file}")
    return 0
