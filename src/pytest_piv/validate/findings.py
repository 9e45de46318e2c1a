"""Findings: one problem a step found, as ``path:line:col: code message``, and parsers.

Every tool's output is parsed into :class:`Finding` rows with paths relative to the
project root, so findings from ruff, mypy, the quality gates and custom steps print, sort
and compare the same way.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple


class Finding(NamedTuple):
    """One problem at one place."""

    path: str
    line: int
    col: int
    code: str
    message: str

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return self._asdict()

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the finding across line shifts: path, code and message."""
        return (self.path, self.code, self.message)


def relative(path: str, root: Path) -> str:
    """``path`` relative to ``root`` with ``/`` separators (unchanged when outside it)."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(root.resolve())
        except ValueError:
            return path.replace(os.sep, "/")
    return candidate.as_posix().removeprefix("./")


def parse_ruff_json(text: str, root: Path) -> list[Finding]:
    """``ruff check --output-format=json``; a syntax error has no code and becomes ``syntax``."""
    try:
        rows = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    findings = []
    for row in rows if isinstance(rows, list) else []:
        location = row.get("location") or {}
        findings.append(
            Finding(
                relative(str(row.get("filename", "")), root),
                int(location.get("row") or 1),
                int(location.get("column") or 1),
                str(row.get("code") or "syntax"),
                str(row.get("message", "")).strip(),
            )
        )
    return findings


_WOULD_REFORMAT = re.compile(
    r"^Would reformat: (?P<path>.+)$|^\s*--> (?P<at>.+?):(?P<line>\d+):(?P<col>\d+)$", re.MULTILINE
)


def parse_ruff_format(text: str, root: Path) -> list[Finding]:
    """``ruff format --check``: one finding per place to reformat.

    ruff before 0.9 prints ``Would reformat: path``; later releases print a diagnostic
    with ``--> path:line:col`` under it.
    """
    findings = []
    for m in _WOULD_REFORMAT.finditer(text):
        path, line, col = (m["path"], 1, 1) if m["path"] else (m["at"], m["line"], m["col"])
        findings.append(
            Finding(
                relative(path.strip(), root),
                int(line),
                int(col),
                "format",
                "would be reformatted by ruff format",
            )
        )
    return findings


_MYPY_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? error: (?P<message>.*?)"
    r"(?:  \[(?P<code>[a-z0-9-]+)\])?$",
    re.MULTILINE,
)


def parse_mypy(text: str, root: Path) -> list[Finding]:
    """mypy's ``path:line:col: error: message  [code]`` lines (notes are left out)."""
    return [
        Finding(
            relative(m["path"], root),
            int(m["line"]),
            int(m["col"] or 1),
            m["code"] or "mypy",
            m["message"].strip(),
        )
        for m in _MYPY_LINE.finditer(text)
    ]


_GENERIC_LINE = re.compile(
    r"^(?P<path>[^:\s][^:\n]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?P<rest>.+)$", re.MULTILINE
)


def parse_generic(text: str, root: Path) -> list[Finding]:
    """Any tool printing ``path:line[:col]: message``: the first word is taken as the code."""
    findings = []
    for m in _GENERIC_LINE.finditer(text):
        code, _, message = m["rest"].strip().partition(" ")
        findings.append(
            Finding(
                relative(m["path"], root),
                int(m["line"]),
                int(m["col"] or 1),
                code.rstrip(":"),
                message.strip(),
            )
        )
    return findings


_PYTEST_FAILED = re.compile(r"^(?:FAILED|ERROR) (?P<nodeid>\S+?)(?: - (?P<why>.*))?$", re.MULTILINE)


def parse_pytest(text: str) -> list[Finding]:
    """pytest's short summary (``-rfE``): one finding per failed or erroring test."""
    findings = []
    for m in _PYTEST_FAILED.finditer(text):
        nodeid = m["nodeid"]
        path = nodeid.split("::", 1)[0]
        word = m.group(0).split(" ", 1)[0].lower()
        findings.append(Finding(path, 1, 1, word, f"{nodeid} {m['why'] or ''}".strip()))
    return findings


def new_findings(current: Iterable[Finding], baseline: Iterable[Finding]) -> list[Finding]:
    """``current`` less what ``baseline`` already had, compared by path, code and message.

    Lines are left out of the comparison, so an old error that moved down because lines
    were added above it is still old; two equal errors where the baseline had one leave one.
    """
    left = Counter(f.key for f in baseline)
    fresh = []
    for finding in current:
        if left[finding.key] > 0:
            left[finding.key] -= 1
        else:
            fresh.append(finding)
    return fresh
