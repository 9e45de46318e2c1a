"""Each gate's JSON (as its command writes it) read into a :class:`GateResult`.

The readers take parsed JSON and check its shape as they go: anything that is not what
the command writes raises :class:`MalformedResult` naming what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from pytest_piv.coverage.ranges import consecutive_ranges, range_text
from pytest_piv.ghreport.model import Annotation, GateResult, Kind, MalformedResult, Status, Table
from pytest_piv.values import counted

#: the command whose ``--json`` output each gate's file holds
SOURCES = {
    "validate": "piv validate --json",
    "coverage": "piv coverage check --json (or .piv/coverage.json)",
    "bench": "piv bench ab --json",
    "verify": "piv verify --json",
    "profile": "a piv profile run's report.json",
}
#: hotspots of a profile shown as notices
HOTSPOT_NOTICES = 3


def _obj(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedResult(f"{what}: expected a JSON object")
    return value


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedResult(f"{what}: expected a JSON list")
    return value


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str:
    return "" if value is None else str(value)


def validate_result(data: object) -> GateResult:
    top = _obj(data, "the result")
    steps = [_obj(s, "steps[]") for s in _list(top.get("steps"), "steps")]
    failed = [s for s in steps if s.get("verdict") not in ("pass", "skip")]
    annotations: list[Annotation] = []
    findings: list[tuple[str, ...]] = []
    for step in steps:
        name, verdict = _text(step.get("name")), _text(step.get("verdict"))
        kind: Kind = "error" if verdict == "fail" else "warning"
        for raw in _list(step.get("findings", []), f"steps[{name}].findings"):
            found = _obj(raw, f"steps[{name}].findings[]")
            path, code, message = (_text(found.get(k)) for k in ("path", "code", "message"))
            line, col = _int(found.get("line")), _int(found.get("col"))
            findings.append((name, f"{path}:{line or ''}", code, message))
            annotations.append(
                Annotation(
                    kind,
                    f"piv validate: {name} {code}".strip(),
                    message,
                    path or None,
                    line,
                    None,
                    col,
                )
            )
        if verdict in ("timeout", "missing", "error"):
            detail = _text(step.get("detail")) or verdict
            annotations.append(Annotation("error", f"piv validate: {name} {verdict}", detail))
    exit_code = top.get("exit_code")
    status: Status = "failed" if exit_code not in (0, None) or failed else "passed"
    headline = (
        f"preset {_text(top.get('preset'))}: {counted(len(steps), 'step')},"
        f" {len(failed)} not passed, {counted(len(findings), 'finding')}"
    )
    tables = [
        Table(
            "Steps",
            ("step", "verdict", "seconds", "findings", "detail"),
            tuple(
                (
                    _text(s.get("name")),
                    _text(s.get("verdict")),
                    _text(s.get("seconds")),
                    str(len(s.get("findings") or ())),
                    _text(s.get("detail")),
                )
                for s in steps
            ),
        )
    ]
    if findings:
        tables.append(Table("Findings", ("step", "where", "code", "message"), tuple(findings)))
    return GateResult("validate", status, headline, tuple(tables), tuple(annotations))


def _percent(ratio: object) -> str:
    if ratio is None:
        return "-"
    part = _obj(ratio, "a ratio")
    return (
        f"{_text(part.get('percent'))}% ({_text(part.get('covered'))}/{_text(part.get('total'))})"
    )


def _first_line(missing: str) -> int | None:
    digits = ""
    for char in missing:
        if char.isdigit():
            digits += char
        elif digits:
            break
    return int(digits) if digits else None


def coverage_result(data: object) -> GateResult:
    top = _obj(data, "the result")
    groups = [_obj(g, "groups[]") for g in _list(top.get("groups"), "groups")]
    if not isinstance(top.get("passed"), bool):
        raise MalformedResult("passed: expected true or false")
    annotations: list[Annotation] = []
    rows = []
    for group in groups:
        rule = _text(group.get("rule"))
        rows.append(
            (
                rule,
                _text(group.get("files")),
                _percent(group.get("lines")),
                _text(group.get("min")) or "-",
                _percent(group.get("branches")),
                _text(group.get("status")),
            )
        )
        for failure in _list(group.get("failures", []), f"groups[{rule}].failures"):
            annotations.append(Annotation("error", f"piv coverage: rule {rule}", _text(failure)))
        for raw in _list(group.get("worst_files", []), f"groups[{rule}].worst_files"):
            file = _obj(raw, "worst_files[]")
            for failure in _list(file.get("failures", []), "worst_files[].failures"):
                annotations.append(
                    Annotation(
                        "error",
                        f"piv coverage: rule {rule}",
                        f"{_text(failure)} (not run: {_text(file.get('missing'))})",
                        _text(file.get("path")) or None,
                        _first_line(_text(file.get("missing"))),
                    )
                )
    tables = [Table("Rules", ("rule", "files", "lines", "min", "branches", "status"), tuple(rows))]
    headline = (
        f"{sum(g.get('status') == 'FAIL' for g in groups)} of {len(groups)} rule groups failed"
    )
    diff = top.get("diff")
    if diff is not None:
        diff = _obj(diff, "diff")
        base = _text(diff.get("base"))
        kind: Kind = "warning" if diff.get("passed", True) else "error"
        uncovered = _obj(diff.get("uncovered", {}), "diff.uncovered")
        not_run = []
        for path, lines in sorted(uncovered.items()):
            numbers = [n for n in _list(lines, f"diff.uncovered[{path}]") if _int(n)]
            spans = consecutive_ranges(numbers)
            not_run.append((path, ", ".join(range_text(a, b) for a, b in spans)))
            for start, end in spans:
                annotations.append(
                    Annotation(
                        kind,
                        "piv coverage: changed lines not run",
                        f"line {range_text(start, end)} changed since {base} and no test ran it",
                        path,
                        start,
                        end,
                    )
                )
        headline += f"; diff coverage against {base}: {_percent(diff.get('lines'))}"
        if diff.get("min") is not None:
            headline += f" (min {_text(diff.get('min'))})"
        if not_run:
            tables.append(Table("Changed lines no test ran", ("file", "lines"), tuple(not_run)))
    status: Status = "passed" if top["passed"] else "failed"
    return GateResult("coverage", status, headline, tuple(tables), tuple(annotations))


def _seconds(summary: object) -> str:
    if summary is None:
        return "-"
    median = _obj(summary, "a benchmark summary").get("median")
    return f"{median * 1e6:.1f} µs" if isinstance(median, int | float) else "-"


def _bench_file(name: str) -> str | None:
    path = name.split("::", 1)[0]
    return path if "::" in name and path.endswith(".py") else None


def bench_result(data: object) -> GateResult:
    top = _obj(data, "the result")
    benches = [_obj(b, "benchmarks[]") for b in _list(top.get("benchmarks"), "benchmarks")]
    rows = []
    annotations = []
    for bench in benches:
        name, verdict = _text(bench.get("name")), _text(bench.get("verdict"))
        change = bench.get("change")
        ratio = _obj(change, "change").get("ratio") if change is not None else None
        shown = f"{ratio:.3f}x" if isinstance(ratio, int | float) else "-"
        rows.append(
            (name, verdict, _seconds(bench.get("baseline")), _seconds(bench.get("current")), shown)
        )
        reason = _text(bench.get("reason"))
        if verdict == "regressed":
            message = f"{name} is slower than on the base: {shown}" + (
                f" ({reason})" if reason else ""
            )
            annotations.append(
                Annotation("error", "piv bench: regressed", message, _bench_file(name))
            )
        elif verdict == "improved":
            message = f"{name} is faster than on the base: {shown}"
            annotations.append(
                Annotation("notice", "piv bench: improved", message, _bench_file(name))
            )
    counts = _obj(top.get("counts", {}), "counts")
    headline = ", ".join(f"{n} {v}" for v, n in counts.items() if n) or "no benchmarks"
    status: Status = "failed" if any(b.get("verdict") == "regressed" for b in benches) else "passed"
    table = Table(
        f"Against {_text(top.get('machine'))}",
        ("benchmark", "verdict", "base median", "head median", "change"),
        tuple(rows),
    )
    return GateResult("bench", status, headline, (table,), tuple(annotations))


def verify_result(data: object) -> GateResult:
    top = _obj(data, "the result")
    if not isinstance(top.get("ok"), bool):
        raise MalformedResult("ok: expected true or false")
    commits = [_obj(c, "commits[]") for c in _list(top.get("commits"), "commits")]
    violations = [_obj(v, "violations[]") for v in _list(top.get("violations"), "violations")]
    rows = tuple(
        (
            _text(c.get("sha"))[:12],
            _text(c.get("phase")),
            _text(c.get("red")),
            _text(c.get("green")),
            _text(c.get("verdict")),
            _text(c.get("subject")),
        )
        for c in commits
    )
    tables = [Table("Commits", ("commit", "phase", "red", "green", "verdict", "subject"), rows)]
    wrong = tuple((_text(v.get("commit"))[:12], _text(v.get("message"))) for v in violations)
    if wrong:
        tables.append(Table("Violations", ("commit", "violation"), wrong))
    annotations = tuple(
        Annotation("error", f"piv verify: commit {sha}", message) for sha, message in wrong
    )
    headline = f"{_text(top.get('range'))}: {len(commits)} commits, {len(violations)} violations"
    status: Status = "passed" if top["ok"] else "failed"
    return GateResult("verify", status, headline, tuple(tables), annotations)


def _share(value: object) -> str:
    return f"{100 * value:.1f}%" if isinstance(value, int | float) else "-"


Row = dict[str, Any]


class _Hotspots(NamedTuple):
    """How one section of a profile's report (``cpu`` or ``mem``) is shown."""

    section: str
    rows: str
    headline: Callable[[Row], str]
    title: str
    columns: tuple[str, ...]
    cells: Callable[[Row], tuple[str, ...]]
    notice: str
    message: Callable[[Row], str]


_PROFILE_SECTIONS = (
    _Hotspots(
        "cpu",
        "by_own",
        lambda c: f"cpu: {_text(c.get('samples'))} samples over {_text(c.get('seconds'))} s",
        "CPU: most time in the function itself",
        ("function", "file", "own", "total"),
        lambda r: (
            _text(r.get("function")),
            _text(r.get("file")),
            _share(r.get("own_share")),
            _share(r.get("total_share")),
        ),
        "piv profile: cpu hotspot",
        lambda r: f"{_text(r.get('function'))}: {_share(r.get('own_share'))} of the samples",
    ),
    _Hotspots(
        "mem",
        "by_peak",
        lambda m: f"mem: peak {_text(m.get('peak'))} bytes",
        "Memory: most bytes at the peak",
        ("function", "where", "bytes", "allocations"),
        lambda r: (
            _text(r.get("function")),
            f"{_text(r.get('file'))}:{_text(r.get('line'))}",
            _text(r.get("bytes")),
            _text(r.get("allocations")),
        ),
        "piv profile: memory at the peak",
        lambda r: f"{_text(r.get('function'))}: {_text(r.get('bytes'))} bytes at the peak",
    ),
)


def profile_result(data: object, is_project_file: Callable[[str], bool]) -> GateResult:
    top = _obj(data, "the result")
    skipped = top.get("skipped")
    tables = []
    annotations: list[Annotation] = []
    parts = []
    for kind in _PROFILE_SECTIONS:
        if top.get(kind.section) is None:
            continue
        section = _obj(top[kind.section], kind.section)
        where = f"{kind.section}.{kind.rows}"
        rows = [_obj(r, f"{where}[]") for r in _list(section.get(kind.rows, []), where)]
        parts.append(kind.headline(section))
        tables.append(Table(kind.title, kind.columns, tuple(kind.cells(r) for r in rows)))
        mine = [r for r in rows if is_project_file(_text(r.get("file")))][:HOTSPOT_NOTICES]
        annotations += [
            Annotation(
                "notice", kind.notice, kind.message(r), _text(r.get("file")), _int(r.get("line"))
            )
            for r in mine
        ]
    if not parts:
        if skipped is None:
            raise MalformedResult("expected a cpu, mem or skipped section")
        reasons = _obj(skipped, "skipped")
        why = "; ".join(f"{k}: {_text(v)}" for k, v in reasons.items())
        return GateResult("profile", "skipped", f"not profiled: {why}")
    return GateResult("profile", "passed", "; ".join(parts), tuple(tables), tuple(annotations))


def read_result(
    gate: str, data: object, is_project_file: Callable[[str], bool] = lambda _: False
) -> GateResult:
    """Gate ``gate``'s JSON as a result; :class:`MalformedResult` when it is not its shape."""
    readers: Mapping[str, Callable[[object], GateResult]] = {
        "validate": validate_result,
        "coverage": coverage_result,
        "bench": bench_result,
        "verify": verify_result,
        "profile": lambda d: profile_result(d, is_project_file),
    }
    try:
        return readers[gate](data)
    except MalformedResult as exc:
        raise MalformedResult(f"{exc} (expected the output of {SOURCES[gate]})") from None
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise MalformedResult(
            f"{type(exc).__name__}: {exc} (expected the output of {SOURCES[gate]})"
        ) from None
