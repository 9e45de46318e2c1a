"""How a coverage verdict reads: terminal lines, ``.piv/coverage.json`` and Markdown.

One row per rule group (files, statements, missed, branches, partial, %, minimum, margin,
ok/FAIL); under a failing group its worst files with missing ranges and partial
branches, capped so a CI log stays readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from pytest_piv.coverage.diff import DiffVerdict
from pytest_piv.coverage.gate import CoverageVerdict, FileVerdict, GroupVerdict
from pytest_piv.coverage.model import Ratio
from pytest_piv.coverage.percent import show_margin, show_minimum, show_percent
from pytest_piv.coverage.ranges import consecutive_ranges, missing_text, range_text
from pytest_piv.coverage.settings import CoverageSettings
from pytest_piv.report.text import markdown_code, markdown_text, printable

JSON_VERSION = 1
FAIL = {"red": True, "bold": True}
OK = {"green": True}


@dataclass(frozen=True)
class Line:
    text: str
    markup: dict[str, bool] = field(default_factory=dict)


def _status(group: GroupVerdict) -> str:
    if group.ok:
        return "ok"
    return "FAIL" if group.gated else "below (not gated)"


def _minimum(group: GroupVerdict) -> str:
    parts = []
    if group.rule.min is not None:
        parts.append(show_minimum(group.rule.min))
    if group.rule.branch_min is not None:
        parts.append(f"br {show_minimum(group.rule.branch_min)}")
    return " / ".join(parts) or "-"


def _margin(group: GroupVerdict) -> str:
    margins = []
    if group.rule.min is not None:
        margins.append(show_margin(group.judged_lines.percent, group.rule.min))
    if group.rule.branch_min is not None and group.judged_branches is not None:
        margins.append(show_margin(group.judged_branches.percent, group.rule.branch_min))
    return " / ".join(margins) or "-"


def _percent(ratio: Ratio | None, minimum: Fraction | None) -> str:
    return "-" if ratio is None else show_percent(ratio.percent, minimum)


def _rule_cell(group: GroupVerdict) -> str:
    return group.rule.name + (" [per file]" if group.per == "file" else "")


def group_row(group: GroupVerdict) -> dict[str, str]:
    """The columns of one group's row, as text."""
    branches = group.branches
    return {
        "rule": _rule_cell(group),
        "files": str(len(group.files)),
        "stmts": str(group.lines.total),
        "miss": str(group.lines.missed),
        "branch": "-" if branches is None else str(branches.total),
        "part": "-" if branches is None else str(group.partial),
        "%": _percent(group.judged_lines, group.rule.min),
        "br %": _percent(group.judged_branches, group.rule.branch_min),
        "min": _minimum(group),
        "margin": _margin(group),
        "status": _status(group),
    }


def _file_line(verdict: FileVerdict, limit: int) -> str:
    file = verdict.file
    missing = missing_text(file.statements, file.missing, file.partial_arcs, limit)
    percent = show_percent(file.lines.percent)
    text = f"{file.path}  {percent} %"
    if missing:
        text += f"  missing {missing}"
    return text


def terminal_lines(
    verdict: CoverageVerdict, settings: CoverageSettings, verbosity: int = 0
) -> list[Line]:
    """The summary section: the table, failing groups' worst files, diff coverage, notes."""
    rows = [group_row(g) for g in verdict.groups]
    columns = list(rows[0]) if rows else []
    if not verdict.has_branches:
        columns = [c for c in columns if c not in ("branch", "part", "br %")]
    widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in columns}

    def render(cells: dict[str, str]) -> str:
        out = []
        for c in columns:
            out.append(cells[c].ljust(widths[c]) if c == "rule" else cells[c].rjust(widths[c]))
        return "  ".join(out).rstrip()

    lines: list[Line] = []
    if rows:
        lines.append(Line(render({c: c for c in columns}), {"bold": True}))
    for group, row in zip(verdict.groups, rows, strict=True):
        markup = FAIL if group.failed else (OK if group.ok else {"yellow": True})
        lines.append(Line(render(row), markup))
        show_details = not group.ok or verbosity > 0
        if not show_details:
            continue
        for failure in group.failures:
            lines.append(Line(f"    {failure}", FAIL if group.failed else {}))
        limit = 0 if verbosity > 1 else settings.show_files
        worst = group.worst_files(limit)
        for file in worst:
            lines.append(Line("      " + _file_line(file, settings.show_ranges)))
            for failure in file.failures:
                lines.append(Line(f"        {failure}"))
        hidden = sum(1 for f in group.files if f.file.missing or f.file.missing_arcs) - len(worst)
        if hidden > 0:
            lines.append(Line(f"      … and {hidden} more files with missing lines (-vv)"))
    if verdict.diff is not None:
        lines.extend(diff_lines(verdict.diff, settings.show_ranges))
    lines.extend(Line(f"note: {n}") for n in verdict.notes)
    return [Line(printable(line.text), line.markup) for line in lines]


def diff_lines(diff: DiffVerdict, limit: int = 0) -> list[Line]:
    if diff.skipped is not None:
        return [Line(f"diff coverage: skipped: {diff.skipped}", {"yellow": True})]
    text = (
        f"diff coverage vs {diff.base}: {diff.lines.covered} of {diff.lines.total} changed "
        f"statements ran, {show_percent(diff.lines.percent, diff.minimum)} %"
    )
    if diff.minimum is not None:
        status = "FAIL" if diff.failed else "ok"
        text += f" (min {show_minimum(diff.minimum)} %) {status}"
    lines = [Line(text, FAIL if diff.failed else {})]
    for path, uncovered in diff.uncovered:
        ranges = [range_text(a, b) for a, b in consecutive_ranges(uncovered)]
        if limit and len(ranges) > limit:
            ranges = [*ranges[:limit], f"… (+{len(ranges) - limit} more)"]
        lines.append(Line(f"    {path}: not run: {', '.join(ranges)}"))
    if diff.unmeasured:
        lines.append(
            Line(f"    changed but not measured: {', '.join(diff.unmeasured)}", {"yellow": True})
        )
    return [Line(printable(line.text), line.markup) for line in lines]


def written_line(written: Sequence[str]) -> str:
    """The one line naming every file the gate wrote, so none lands unannounced."""
    return "piv: wrote " + ", ".join(written)


def outcome_line(verdict: CoverageVerdict, tests_failed: bool) -> Line:
    """The one line that says whether the coverage gate, not a test, failed the run."""
    failed = verdict.failed_groups
    tests = "some tests failed too" if tests_failed else "the tests themselves passed"
    if failed or (verdict.diff is not None and verdict.failed):
        parts = []
        if failed:
            names = ", ".join(g.rule.name for g in failed)
            parts.append(f"{len(failed)} of {len(verdict.groups)} rule groups failed: {names}")
        if verdict.diff is not None and verdict.diff.failed:
            parts.append("diff coverage is below its minimum")
        return Line(printable(f"piv: the coverage gate FAILED: {'; '.join(parts)}; {tests}"), FAIL)
    if verdict.scope == "subset-report":
        return Line("piv: coverage reported for a subset run, not gated")
    return Line(f"piv: the coverage gate passed ({len(verdict.groups)} rule groups)", OK)


def _ratio_json(ratio: Ratio | None, minimum: Fraction | None) -> dict[str, object] | None:
    if ratio is None:
        return None
    return {
        "covered": ratio.covered,
        "total": ratio.total,
        "percent": show_percent(ratio.percent, minimum),
    }


def _file_json(verdict: FileVerdict) -> dict[str, object]:
    file = verdict.file
    return {
        "path": file.path,
        "statements": len(file.statements),
        "missed": len(file.missing),
        "branches": file.branches,
        "missed_branches": len(file.missing_arcs),
        "percent": show_percent(file.lines.percent),
        "missing": missing_text(file.statements, file.missing, file.partial_arcs),
        "failures": list(verdict.failures),
    }


def to_json(verdict: CoverageVerdict, settings: CoverageSettings) -> dict[str, object]:
    """The verdict as plain JSON data (``.piv/coverage.json``, ``piv coverage check --json``)."""
    groups = []
    for group in verdict.groups:
        rule = group.rule
        groups.append(
            {
                "rule": rule.name,
                "path": rule.path,
                "module": rule.module,
                "per": rule.per,
                "files": len(group.files),
                "lines": _ratio_json(group.lines, rule.min),
                "branches": _ratio_json(group.branches, rule.branch_min),
                "partial": group.partial,
                "judged_lines": _ratio_json(group.judged_lines, rule.min),
                "judged_branches": _ratio_json(group.judged_branches, rule.branch_min),
                "min": None if rule.min is None else show_minimum(rule.min),
                "branch_min": None if rule.branch_min is None else show_minimum(rule.branch_min),
                "margin": _margin(group),
                "status": _status(group),
                "gated": group.gated,
                "failures": list(group.failures),
                "worst_files": [_file_json(f) for f in group.worst_files(settings.show_files)],
            }
        )
    diff = verdict.diff
    return {
        "version": JSON_VERSION,
        "passed": not verdict.failed,
        "scope": verdict.scope,
        "has_branches": verdict.has_branches,
        "groups": groups,
        "diff": None
        if diff is None
        else {
            "base": diff.base,
            "skipped": diff.skipped,
            "lines": _ratio_json(diff.lines, diff.minimum),
            "min": None if diff.minimum is None else show_minimum(diff.minimum),
            "passed": not diff.failed,
            "uncovered": {path: list(lines) for path, lines in diff.uncovered},
            "unmeasured": list(diff.unmeasured),
        },
        "notes": list(verdict.notes),
    }


def to_markdown(verdict: CoverageVerdict, settings: CoverageSettings) -> str:
    """A GitHub job summary: the table, then the worst files of each failing group."""
    status = "failed" if verdict.failed else "passed"
    out = [f"### Coverage gate {status}", ""]
    rows = [group_row(g) for g in verdict.groups]
    if rows:
        columns = list(rows[0])
        if not verdict.has_branches:
            columns = [c for c in columns if c not in ("branch", "part", "br %")]
        out.append("| " + " | ".join(columns) + " |")
        out.append("|" + "|".join("---" if c == "rule" else "--:" for c in columns) + "|")
        for row in rows:
            cells = [markdown_text(row[c]) for c in columns]
            cells[0] = markdown_code(row[columns[0]])
            if row["status"] == "FAIL":
                cells[-1] = "**FAIL**"
            out.append("| " + " | ".join(cells) + " |")
    for group in verdict.groups:
        if group.ok:
            continue
        failures = markdown_text("; ".join(group.failures))
        out += ["", f"**{markdown_code(group.rule.name)}**: {failures}", ""]
        for file in group.worst_files(settings.show_files):
            out.append(f"- {markdown_code(_file_line(file, settings.show_ranges))}")
    if verdict.diff is not None:
        out += ["", *(f"- {markdown_text(line.text.strip())}" for line in diff_lines(verdict.diff))]
    out += [*(f"\n_{markdown_text(n)}_" for n in verdict.notes)]
    return "\n".join(out) + "\n"
