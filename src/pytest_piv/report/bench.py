"""How benchmark verdicts read: a terminal table, JSON and Markdown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pytest_piv.baselines.verdicts import Comparison, Summary, Verdict
from pytest_piv.report.rgr import Line
from pytest_piv.report.text import markdown_code, markdown_text, printable
from pytest_piv.values import format_percent

ORDER = list(Verdict)
COLOURS: dict[Verdict, dict[str, bool]] = {
    Verdict.REGRESSED: {"red": True, "bold": True},
    Verdict.IMPROVED: {"green": True},
    Verdict.INCONCLUSIVE: {"yellow": True},
}
COLUMNS = ("benchmark", "baseline min/median", "current min/median", "change [95% CI]")
COLUMNS_TAIL = ("threshold", "verdict")


def format_time(seconds: float) -> str:
    """``1.234e-05`` -> ``"12.34us"``: four significant digits in a fitting unit."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.4g}{unit}"
    return f"{seconds / 1e-9:.4g}ns"


def _pair(summary: Summary | None) -> str:
    if summary is None or summary.rounds == 0:
        return "-"
    return f"{format_time(summary.min)} / {format_time(summary.median)}"


def _change(c: Comparison) -> str:
    e = c.estimate
    if e is None:
        return "-"
    return f"{(e.ratio - 1) * 100:+.1f}% [{(e.low - 1) * 100:+.1f}%, {(e.high - 1) * 100:+.1f}%]"


def _verdict(c: Comparison) -> str:
    return f"{c.verdict.value} (noisy)" if c.noisy else c.verdict.value


def rows(comparisons: Sequence[Comparison]) -> list[tuple[str, ...]]:
    return [
        (
            c.name,
            _pair(c.baseline),
            _pair(c.current),
            _change(c),
            format_percent(c.threshold),
            _verdict(c),
        )
        for c in comparisons
    ]


def counts(comparisons: Sequence[Comparison]) -> str:
    """``"1 regressed, 3 unchanged"`` in verdict order."""
    seen = Counter(c.verdict for c in comparisons)
    return ", ".join(f"{seen[v]} {v.value}" for v in ORDER if seen[v]) or "nothing measured"


def headline(comparisons: Sequence[Comparison], machine: str, what: str) -> str:
    n = len(comparisons)
    if not n:
        return "piv bench: nothing measured"
    return (
        f"piv bench: {n} benchmark{'s' if n != 1 else ''} {what} {machine}: {counts(comparisons)}"
    )


def _headline_colour(comparisons: Sequence[Comparison], inconclusive: str) -> dict[str, bool]:
    """Red when the gate fails, yellow when something is undecided, green only when clean."""
    seen = {c.verdict for c in comparisons}
    if Verdict.REGRESSED in seen or (Verdict.INCONCLUSIVE in seen and inconclusive == "fail"):
        return COLOURS[Verdict.REGRESSED]
    if Verdict.INCONCLUSIVE in seen:
        return COLOURS[Verdict.INCONCLUSIVE]
    return {"green": True} if comparisons else {}


def terminal_lines(
    comparisons: Sequence[Comparison],
    *,
    machine: str,
    what: str = "on machine",
    verbosity: int = 0,
    notes: Sequence[str] = (),
    mode: str = "enforce",
    inconclusive: str = "pass",
) -> list[Line]:
    """The summary: headline, table (not with ``-q``), regressions, undecided, notes.

    A regression and an inconclusive verdict, with its reason and what would settle it,
    are shown at every verbosity; ``-v`` adds the reasons of the other verdicts.
    """
    lines = [
        Line(headline(comparisons, machine, what), _headline_colour(comparisons, inconclusive))
    ]
    if comparisons and verbosity >= 0:
        table = [(*COLUMNS, *COLUMNS_TAIL), *rows(comparisons)]
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        for index, row in enumerate(table):
            text = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            markup = {} if index == 0 else COLOURS.get(comparisons[index - 1].verdict, {})
            lines.append(Line("  " + text.rstrip(), markup))
    label = "regression" if mode == "enforce" else "regression (mode warn)"
    for c in comparisons:
        if c.verdict is Verdict.REGRESSED:
            lines.append(Line(f"  {label}: {c.name} {c.reason}", COLOURS[Verdict.REGRESSED]))
    fails = inconclusive == "fail" and mode == "enforce"
    for c in comparisons:
        if c.verdict is Verdict.INCONCLUSIVE:
            kind = "inconclusive (fails the run)" if fails else "inconclusive"
            settle = f" (to settle it: {c.settle})" if c.settle else ""
            colour = COLOURS[Verdict.REGRESSED if fails else Verdict.INCONCLUSIVE]
            lines.append(Line(f"  {kind}: {c.name} {c.reason}{settle}", colour))
    if verbosity > 0:
        for c in comparisons:
            if c.verdict not in (Verdict.REGRESSED, Verdict.INCONCLUSIVE):
                lines.append(Line(f"  {c.verdict.value}: {c.name} {c.reason}", {}))
    lines.extend(Line(f"  note: {text}", {}) for text in notes)
    return [Line(printable(line.text), line.markup) for line in lines]


def to_json(comparisons: Sequence[Comparison], *, machine: str) -> dict[str, object]:
    def summary(s: Summary | None) -> dict[str, float | int] | None:
        if s is None or s.rounds == 0:
            return None
        return {"min": s.min, "median": s.median, "rounds": s.rounds}

    return {
        "machine": machine,
        "counts": {v.value: sum(c.verdict is v for c in comparisons) for v in ORDER},
        "benchmarks": [
            {
                "name": c.name,
                "verdict": c.verdict.value,
                "noisy": c.noisy,
                "threshold": c.threshold,
                "baseline": summary(c.baseline),
                "current": summary(c.current),
                "change": None
                if c.estimate is None
                else {
                    "ratio": c.estimate.ratio,
                    "low": c.estimate.low,
                    "high": c.estimate.high,
                    "noise": c.estimate.noise,
                },
                "reason": c.reason,
            }
            for c in comparisons
        ],
    }


def to_markdown(comparisons: Sequence[Comparison], *, machine: str, what: str = "on") -> str:
    """A GitHub-flavoured table for a job summary."""
    out = [f"### Benchmarks {what} {markdown_code(machine)}: {counts(comparisons)}", ""]
    out.append("| " + " | ".join((*COLUMNS, *COLUMNS_TAIL)) + " |")
    out.append("|" + "---|" * (len(COLUMNS) + len(COLUMNS_TAIL)))
    for row in rows(comparisons):
        name, *rest = row
        verdict = rest[-1]
        shown = f"**{verdict}**" if verdict.startswith(Verdict.REGRESSED.value) else verdict
        cells = [markdown_code(name), *(markdown_text(cell) for cell in (*rest[:-1], shown))]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"
