"""The one job summary: an overview, a section per gate, the annotations not shown.

GitHub refuses a step summary over 1 MiB, so rows are added while they fit under
``limit``; each table that lost rows says how many, and which artifact holds them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_piv.ghreport.annotations import where
from pytest_piv.ghreport.model import Annotation, GateResult, Table, artifact
from pytest_piv.report.text import markdown_text

#: GitHub's cap on one step's summary
SUMMARY_CAP = 1024 * 1024
#: rows of one table at most, however much room is left
MAX_ROWS = 500
#: a cell longer than this is cut
MAX_CELL = 300
#: kept free for the lines that say what was cut
_RESERVE = 8 * 1024

_MARK = {"passed": "✅ passed", "failed": "❌ failed", "skipped": "⏭️ skipped"}


def _cell(text: str) -> str:
    cut = text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
    return markdown_text(cut)


class _Out:
    """Lines under a byte budget; the reserve is only for the notes of what was cut."""

    def __init__(self, limit: int) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.limit = limit
        self.budget = max(0, limit - _RESERVE)

    def fits(self, line: str) -> bool:
        return self.size + len(line.encode("utf-8")) + 1 <= self.budget

    def add(self, line: str, *, reserved: bool = False) -> bool:
        if not (self.fits(line) or reserved):
            return False
        if reserved and self.size + len(line.encode("utf-8")) + 1 > self.limit:
            return False
        self.lines.append(line)
        self.size += len(line.encode("utf-8")) + 1
        return True

    def table(self, table: Table, where_all: str, max_rows: int) -> None:
        header = [
            f"**{_cell(table.title)}**",
            "",
            "| " + " | ".join(_cell(c) for c in table.columns) + " |",
            "|" + "---|" * len(table.columns),
        ]
        if not table.rows:
            self.add(f"**{_cell(table.title)}**: none", reserved=True)
            self.add("", reserved=True)
            return
        shown = 0
        if self.fits("\n".join(header)):
            for line in header:
                self.add(line)
            for row in table.rows[:max_rows]:
                if not self.add("| " + " | ".join(_cell(c) for c in row) + " |"):
                    break
                shown += 1
        left = len(table.rows) - shown
        if left:
            what = f"{left} more rows" if shown else f"{left} rows of {_cell(table.title)}"
            self.add("", reserved=True)
            self.add(f"_{what} not shown here, see {where_all}._", reserved=True)
        self.add("", reserved=True)


def _overview(results: Sequence[GateResult]) -> list[str]:
    out = ["| gate | status | summary |", "|---|---|---|"]
    for r in results:
        mark = _MARK.get(r.status, "⚠️ unreadable")
        out.append(f"| {r.gate} | {mark} | {_cell(r.headline)} |")
    return out


def render(
    results: Sequence[GateResult],
    not_shown: Sequence[Annotation],
    *,
    limit: int = SUMMARY_CAP,
    max_rows: int = MAX_ROWS,
) -> str:
    """The summary's Markdown, never longer than ``limit`` bytes in UTF-8."""
    out = _Out(limit)
    failed = [r.gate for r in results if r.status in ("failed", "unreadable")]
    verdict = f"failed: {', '.join(failed)}" if failed else "passed"
    out.add(f"## piv: {verdict}")
    out.add("")
    for line in _overview(results):
        out.add(line)
    out.add("")
    for r in results:
        if not r.tables:
            continue
        out.add(f"### {r.gate}: {_MARK.get(r.status, r.status)}")
        out.add("")
        for table in r.tables:
            out.table(table, f"the artifact `{artifact(r.gate)}`", max_rows)
    if not_shown:
        rows = tuple((a.kind, where(a), a.title, a.message) for a in not_shown)
        table = Table(
            "Annotations beyond the 10 per kind GitHub shows",
            ("kind", "where", "title", "message"),
            rows,
        )
        out.add("### more annotations")
        out.add("")
        out.table(table, "the gates' artifacts", max_rows)
    return "\n".join(out.lines) + "\n"
