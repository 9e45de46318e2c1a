"""How profiles and memory budgets read: hotspot tables for the terminal, JSON, Markdown.

Every renderer reads the same report document (:func:`cpu_part`, :func:`mem_part` and
:func:`budget_part` build its pieces), the one kept as ``report.json`` in the run's
directory, so a past run shows exactly as it did.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from pytest_piv.profiling.budgets import MemoryCheck
from pytest_piv.profiling.cpu import CpuProfile
from pytest_piv.profiling.memory import MemProfile, SiteTotal, site_diff
from pytest_piv.profiling.units import format_bytes
from pytest_piv.report.rgr import Line

_STDLIB = re.compile(r"/lib/python3\.\d+/")
NO_MARKUP: dict[str, bool] = {}
RED = {"red": True, "bold": True}
YELLOW = {"yellow": True}


def _where(file: str, root: Path | None) -> str:
    """A file as short as it is still clear: relative to the project, else from the
    installed package (``_pytest/main.py``) or the standard library (``ast.py``)."""
    if root is not None:
        try:
            return str(Path(file).relative_to(root))
        except ValueError:
            pass
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in file:
            return file.split(marker, 1)[1]
    match = _STDLIB.search(file)
    return file[match.end() :] if match else file


def cpu_part(profile: CpuProfile, top: int, root: Path | None = None) -> dict[str, Any]:
    """The CPU section: samples, seconds, processes and the top functions."""
    whole = profile.seconds or 1.0

    def row(h: Any) -> dict[str, Any]:
        return {
            "function": h.name,
            "file": _where(h.file, root),
            "own": round(h.own, 4),
            "total": round(h.total, 4),
            "own_share": round(h.own / whole, 4),
            "total_share": round(h.total / whole, 4),
        }

    return {
        "samples": profile.samples,
        "seconds": round(profile.seconds, 4),
        "processes": profile.processes,
        "by_own": [row(h) for h in profile.hotspots()[:top]],
        "by_total": [row(h) for h in profile.by_total()[:top]],
    }


def site_growth(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Sites (rows of :func:`site_row`) whose bytes at the peak grew, the most first."""

    def table(rows: Sequence[Mapping[str, Any]]) -> MemProfile:
        sites = tuple(
            SiteTotal(r["function"], r["file"], int(r["line"]), int(r["bytes"]), 1) for r in rows
        )
        return MemProfile(0, sites, ())

    return [
        {
            "function": g.function,
            "file": g.file,
            "line": g.line,
            "before": g.before,
            "after": g.after,
        }
        for g in site_diff(table(before), table(after))
        if g.growth > 0
    ]


def site_row(s: SiteTotal, root: Path | None) -> dict[str, Any]:
    """One allocation site as the report keeps it."""
    return _site(s, root)


def _site(s: SiteTotal, root: Path | None) -> dict[str, Any]:
    return {
        "function": s.function,
        "file": _where(s.file, root),
        "line": s.line,
        "bytes": s.size,
        "allocations": s.count,
    }


def mem_part(
    profile: MemProfile,
    top: int,
    tests: Mapping[str, Mapping[str, Any]] | None = None,
    root: Path | None = None,
) -> dict[str, Any]:
    """The memory section: peak, total, leaks, sites by peak and by total, per-test peaks."""
    part: dict[str, Any] = {
        "peak": profile.peak,
        "total": profile.total,
        "leaked": profile.leaked,
        "by_peak": [_site(s, root) for s in profile.at_peak[:top]],
        "by_total": [_site(s, root) for s in profile.allocated[:top]],
    }
    if tests is not None:
        part["tests"] = {k: dict(v) for k, v in sorted(tests.items())}
    return part


def budget_part(checks: Sequence[MemoryCheck]) -> list[dict[str, Any]]:
    """Each budget judged, with its one-line message."""
    return [
        {
            "subject": c.subject,
            "kind": c.kind,
            "measured": c.measured,
            "limit": c.limit,
            "tolerance": c.tolerance,
            "remeasured": c.remeasured,
            "verdict": c.verdict,
            "message": c.message(),
        }
        for c in checks
    ]


def _pct(share: float) -> str:
    return f"{share * 100:5.1f}%"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    fmt = "  ".join(
        f"{{:<{w}}}" if i == len(widths) - 1 else f"{{:>{w}}}" for i, w in enumerate(widths)
    )
    return [fmt.format(*header).rstrip(), *(fmt.format(*r).rstrip() for r in rows)]


def terminal_lines(report: Mapping[str, Any], *, verbosity: int = 0) -> list[Line]:
    """The hotspot tables, the budgets and where the artifacts are."""
    lines: list[Line] = []
    for what, reason in sorted(report.get("skipped", {}).items()):
        lines.append(Line(f"piv: {what} profiling skipped: {reason}", YELLOW))
    cpu = report.get("cpu")
    if cpu:
        lines.append(
            Line(
                f"CPU: {cpu['samples']} samples, {cpu['seconds']:.2f} s sampled in "
                f"{cpu['processes']} process(es)",
                {"bold": True},
            )
        )
        if cpu["by_own"]:
            rows = [
                (_pct(r["own_share"]), _pct(r["total_share"]), f"{r['function']}  {r['file']}")
                for r in cpu["by_own"]
            ]
            lines.extend(Line(t, NO_MARKUP) for t in _table(("own", "total", "function"), rows))
        if verbosity > 0 and cpu["by_total"]:
            lines.append(Line("by total time:", NO_MARKUP))
            rows = [
                (_pct(r["total_share"]), _pct(r["own_share"]), f"{r['function']}  {r['file']}")
                for r in cpu["by_total"]
            ]
            lines.extend(Line(t, NO_MARKUP) for t in _table(("total", "own", "function"), rows))
    diff = report.get("diff")
    if diff:
        lines.append(
            Line(
                f"share of time, base {diff['base']} -> working tree"
                f" ({', '.join(diff['nodeids'])}):",
                {"bold": True},
            )
        )
        diff_rows = [
            (
                _pct(r["before"]),
                _pct(r["after"]),
                f"{(r['after'] - r['before']) * 100:+.1f}",
                f"{r['function']}  {r['file']}",
            )
            for r in diff["grown"]
        ]
        if diff_rows:
            header = ("before", "after", "points", "function")
            lines.extend(Line(t, NO_MARKUP) for t in _table(header, diff_rows))
        else:
            lines.append(Line("no function's share of the time grew", NO_MARKUP))
    mem = report.get("mem")
    if mem:
        lines.append(
            Line(
                f"memory: peak {format_bytes(mem['peak'])}, {format_bytes(mem['total'])} "
                f"allocated, {format_bytes(mem['leaked'])} not freed",
                {"bold": True},
            )
        )
        for title, key in (("at the peak", "by_peak"), ("allocated in total", "by_total")):
            if mem[key]:
                rows = [
                    (
                        format_bytes(r["bytes"]),
                        str(r["allocations"]),
                        f"{r['function']}  {r['file']}:{r['line']}",
                    )
                    for r in mem[key]
                ]
                lines.extend(Line(t, NO_MARKUP) for t in _table((title, "allocs", "site"), rows))
    for budget in report.get("budgets", []):
        verdict = budget["verdict"]
        if verdict == "ok" and verbosity <= 0:
            continue
        markup = RED if verdict == "over" else YELLOW if verdict == "flaky" else NO_MARKUP
        lines.append(Line(f"piv: {budget['message']}", markup))
    lines += import_lines(report.get("imports") or [], verbosity=verbosity)
    for nodeid, grown in sorted((report.get("grown_sites") or {}).items()):
        sites = ", ".join(
            f"{g['function']} {g['file']}:{g['line']} +{format_bytes(g['after'] - g['before'])}"
            for g in grown["sites"]
        )
        lines.append(
            Line(
                f"piv: {nodeid}: allocation sites that grew since {grown['since']}: "
                f"{sites or 'none'}",
                NO_MARKUP,
            )
        )
    for name, path in sorted(report.get("artifacts", {}).items()):
        lines.append(Line(f"{name}: {path}", NO_MARKUP))
    return lines


def import_lines(imports: Sequence[Mapping[str, Any]], *, verbosity: int = 0) -> list[Line]:
    """One line per module timed (``-q``: only those over or flaky)."""
    lines = []
    for row in imports:
        verdict = row["verdict"]
        if verdict == "ok" and verbosity < 0:
            continue
        markup = RED if verdict == "failed" else YELLOW if verdict == "flaky" else NO_MARKUP
        lines.append(Line(f"piv: {row['message']}", markup))
    return lines


def to_markdown(report: Mapping[str, Any]) -> str:
    """A GitHub-flavoured summary: the hotspot tables and the budgets."""
    out = [f"### Profile `{report.get('run', '-')}`", ""]
    cpu = report.get("cpu")
    if cpu:
        out += ["| own | total | function | file |", "|---|---|---|---|"]
        out += [
            f"| {_pct(r['own_share']).strip()} | {_pct(r['total_share']).strip()} "
            f"| `{r['function']}` | `{r['file']}` |"
            for r in cpu["by_own"]
        ]
        out.append("")
    mem = report.get("mem")
    if mem:
        out += [f"Peak {format_bytes(mem['peak'])}, {format_bytes(mem['total'])} allocated.", ""]
        for title, key in (("at the peak", "by_peak"), ("allocated in total", "by_total")):
            out += [f"| {title} | site |", "|---|---|"]
            out += [
                f"| {format_bytes(r['bytes'])} | `{r['function']}` `{r['file']}:{r['line']}` |"
                for r in mem[key]
            ]
            out.append("")
    budgets = report.get("budgets", [])
    if budgets:
        out += ["| budget | verdict |", "|---|---|"]
        out += [f"| {b['message'].replace('|', '/')} | **{b['verdict']}** |" for b in budgets]
        out.append("")
    imports = report.get("imports", [])
    if imports:
        out += ["| import time | verdict |", "|---|---|"]
        out += [f"| {i['message'].replace('|', '/')} | **{i['verdict']}** |" for i in imports]
        out.append("")
    diff = report.get("diff")
    if diff:
        out += [f"Share of time, base `{diff['base']}` -> working tree:", ""]
        out += ["| before | after | function | file |", "|---|---|---|---|"]
        out += [
            f"| {_pct(r['before']).strip()} | {_pct(r['after']).strip()} "
            f"| `{r['function']}` | `{r['file']}` |"
            for r in diff["grown"]
        ]
        out.append("")
    return "\n".join(out)


def note(text: str) -> Line:
    """A remark about the profiling itself (a re-measurement that did not run, ...)."""
    return Line(f"piv: {text}", YELLOW)


def write_section(stream: TextIO, report: Mapping[str, Any], verbosity: int = 0) -> None:
    """The profile section as plain text on ``stream``, for the py-spy parent process,
    which runs before pytest's terminal reporter exists and after the child's output."""
    lines = terminal_lines(report, verbosity=verbosity)
    if not lines:
        return
    stream.write("-" * 30 + " piv profile " + "-" * 30 + "\n")
    stream.write("".join(line.text + "\n" for line in lines))
    stream.flush()
