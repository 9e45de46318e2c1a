"""How a ``piv verify`` report reads: terminal lines, JSON and Markdown.

A table per commit (short sha, phase shown, tests red and green, verdict, subject), the
story of every test added or changed in the range (where it was red, with which red kind,
and where it turned green), then the violations with their hints. Subjects and node ids
come from the repository, so their control characters are shown escaped, never sent.
"""

from __future__ import annotations

from pytest_piv.history.judge import VerifyReport
from pytest_piv.report.text import markdown_text, printable

JSON_VERSION = 1


def _short(sha: str | None) -> str:
    return sha[:10] if sha else "-"


def headline(report: VerifyReport, spec: str) -> str:
    counts = f"{len(report.commits)} commit(s), {report.runs} run(s), {report.cached} cached"
    if not report.commits:
        return f"piv verify: {printable(spec)} — no commit to verify"
    if report.ok:
        return (
            f"piv verify: {printable(spec)} — OK ({counts}, {report.seconds:.1f} s): every "
            "test added or changed was seen red before the code that made it pass"
        )
    failing = len({sha for sha, _ in report.violations})
    return (
        f"piv verify: {printable(spec)} — FAILED: {len(report.violations)} violation(s) in "
        f"{failing} commit(s) ({counts}, {report.seconds:.1f} s)"
    )


def terminal_lines(report: VerifyReport, spec: str) -> list[str]:
    lines: list[str] = []
    if report.commits:
        lines.append(
            f"{'commit':<10}  {'phase':<10} {'red':>4} {'green':>5}  {'verdict':<9}  subject"
        )
        for c in report.commits:
            lines.append(
                f"{_short(c.sha):<10}  {c.phase:<10} {c.red:>4} {c.green:>5}  {c.verdict:<9}  "
                f"{printable(c.subject)}"
            )
            if c.revert_check:
                lines.append(f"{'':<12}revert check: {printable(c.revert_check)}")
            if c.inferred:
                lines.append(
                    f"{'':<12}{c.inferred} test(s) not run: they run no file this commit "
                    "changed (recorded reach), outcome inferred unchanged"
                )
    if report.tests:
        lines.append("tests added or changed:")
        for t in report.tests:
            red = f"red at {_short(t.red_at)} ({t.red_kind})" if t.red_at else "never seen red"
            green = f", green at {_short(t.green_at)}" if t.green_at else ""
            lines.append(f"  {printable(t.nodeid)}: {red}{green} [proof: {t.proof}]")
    if report.violations:
        lines.append(f"violations ({len(report.violations)}):")
        lines.extend(f"  {_short(sha)}: {printable(msg)}" for sha, msg in report.violations)
    lines.extend(f"note: {printable(n)}" for n in report.notes)
    lines.append(headline(report, spec))
    return lines


def to_json(report: VerifyReport, spec: str) -> dict[str, object]:
    return {
        "version": JSON_VERSION,
        "range": spec,
        "base": report.base,
        "head": report.head,
        "ok": report.ok,
        "runs": report.runs,
        "cached": report.cached,
        "seconds": report.seconds,
        "commits": [c._asdict() for c in report.commits],
        "tests": [t._asdict() for t in report.tests],
        "violations": [{"commit": sha, "message": m} for sha, m in report.violations],
        "notes": list(report.notes),
    }


def _cell(text: str) -> str:
    return markdown_text(text).replace("`", "\\`")


def to_markdown(report: VerifyReport, spec: str) -> str:
    out = [f"### {_cell(headline(report, spec))}", ""]
    if report.commits:
        out += ["| commit | phase | red | green | verdict | subject |", "|---|---|--:|--:|---|---|"]
        out += [
            f"| `{_short(c.sha)}` | {c.phase} | {c.red} | {c.green} | {c.verdict} | "
            f"{_cell(c.subject)} |"
            for c in report.commits
        ]
        out.append("")
    if report.tests:
        out += ["| test | red at | red kind | green at | proof |", "|---|---|---|---|---|"]
        out += [
            f"| {_cell(t.nodeid)} | `{_short(t.red_at)}` | {t.red_kind or '-'} | "
            f"`{_short(t.green_at)}` | {t.proof} |"
            for t in report.tests
        ]
        out.append("")
    if report.violations:
        out += ["**Violations**", ""]
        out += [f"- `{_short(sha)}`: {_cell(m)}" for sha, m in report.violations]
        out.append("")
    out += [f"> {_cell(n)}" for n in report.notes]
    return "\n".join(out).rstrip() + "\n"
