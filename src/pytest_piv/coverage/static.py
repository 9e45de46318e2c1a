"""What coverage.py learns from a source file alone, kept so it need not be parsed again.

Judging coverage data needs, per file, facts that depend only on its source text and the
exclusion settings: the statements, the excluded lines, the map from each line of a
multi-line statement to its first line and, for branch data, the possible arcs, the exit
counts, the lines exempt from branch checks and the arc fixes for ``with`` statements.
Parsing a file for them costs about 2 ms, which is most of judging a large project, so
:class:`StaticFacts` holds them, :func:`parse_facts` computes them with coverage.py's own
parser, and :class:`FactsReporter` serves them to coverage.py's analysis as a
``FileReporter``: coverage.py, not pytest-piv, still combines them with the measured data.

A stored entry is valid for one file content (its git blob id) under one
:func:`settings_key`: the coverage.py and Python versions and the exclusion and
partial-branch regexes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import coverage
from coverage.exceptions import CoverageException
from coverage.misc import join_regex
from coverage.parser import PythonParser
from coverage.plugin import FileReporter

from pytest_piv.coverage.fast_parser import parser_class

#: parse in several processes only from this many files on (forking costs ~10 ms)
PARALLEL_FROM = 200
#: Bump when what :class:`StaticFacts` holds, or how it is derived, changes.
FACTS_FORMAT = 1

Arc = tuple[int, int]


@dataclass(frozen=True)
class ArcFacts:
    """The branch-only facts of a file (computed only for branch data)."""

    arcs: frozenset[Arc]
    exit_counts: Mapping[int, int]
    no_branch: frozenset[int]
    with_jump_fixers: Mapping[Arc, Arc | None]


@dataclass(frozen=True)
class StaticFacts:
    """coverage.py's static analysis of one source file."""

    statements: frozenset[int]
    excluded: frozenset[int]
    multiline: Mapping[int, int]
    arcs: ArcFacts | None = None


@dataclass(frozen=True)
class ParseSettings:
    """The configuration that parsing depends on, as coverage.py's regexes."""

    exclude: str
    partial: str
    #: the C-token parser where it applies (``[tool.piv.coverage] parser = "c-tokens"``)
    c_tokens: bool = True

    @classmethod
    def of(cls, cov: coverage.Coverage, *, c_tokens: bool = True) -> ParseSettings:
        return cls(
            exclude=join_regex(cov.get_exclude_list("exclude")),
            partial=join_regex(
                cov.get_exclude_list("partial") + cov.get_exclude_list("partial_always")
            ),
            c_tokens=c_tokens,
        )


def settings_key(settings: ParseSettings) -> str:
    """A digest of everything besides the source text that the facts depend on."""
    parts = [
        f"piv-facts {FACTS_FORMAT}",
        f"coverage {coverage.__version__}",
        f"python {sys.implementation.cache_tag} {sys.version}",
        f"exclude {settings.exclude}",
        f"partial {settings.partial}",
    ]
    if not settings.c_tokens:  # the same facts, but a user who asks for the other parser gets it
        parts.append("parser coverage.py")
    return hashlib.sha1("\0".join(parts).encode(), usedforsecurity=False).hexdigest()


class FactsCache(Protocol):
    """Where :class:`StaticFacts` are kept between runs, by content digest."""

    def get(
        self, settings: str, digests: Iterable[str], *, with_arcs: bool
    ) -> Mapping[str, StaticFacts]: ...

    def put(self, settings: str, facts: Mapping[str, StaticFacts]) -> None: ...


def parse_facts(filename: str, settings: ParseSettings, *, with_arcs: bool) -> StaticFacts:
    """Parse ``filename`` with coverage.py, as ``PythonFileReporter`` would.

    On Python 3.11 the parser's token pass runs on the C tokenizer (:mod:`.fast_parser`),
    which halves the time; the facts are the same. Raises what coverage.py raises for a
    file it cannot read or parse.
    """
    parser = parser_for(settings)(filename=filename, exclude=settings.exclude)
    parser.parse_source()
    arcs = None
    if with_arcs:
        arcs = ArcFacts(
            arcs=frozenset(parser.arcs()),
            exit_counts=dict(parser.exit_counts()),
            no_branch=frozenset(parser.lines_matching(settings.partial)),
            with_jump_fixers=with_jump_fixers(parser),
        )
    return StaticFacts(
        statements=frozenset(parser.statements),
        excluded=frozenset(parser.excluded),
        multiline=dict(parser.multiline_map),
        arcs=arcs,
    )


def parser_for(settings: ParseSettings) -> type[PythonParser]:
    """The C-token parser where it applies and is wanted, else coverage.py's own."""
    return parser_class() if settings.c_tokens else PythonParser


def _parse_or_none(filename: str, settings: ParseSettings, with_arcs: bool) -> StaticFacts | None:
    try:
        return parse_facts(filename, settings, with_arcs=with_arcs)
    except (CoverageException, OSError, SyntaxError, ValueError):
        return None


def parse_many(
    paths: Sequence[Path], settings: ParseSettings, *, with_arcs: bool, workers: int = 1
) -> dict[Path, StaticFacts]:
    """:func:`parse_facts` for each path that can be parsed; the others are left out.

    With ``workers > 1`` and at least :data:`PARALLEL_FROM` files, the files are parsed in
    that many forked processes (Linux only: forking is cheap there and the callers that
    pass ``workers`` run no threads).
    """
    names = [str(path) for path in paths]
    if workers > 1 and len(names) >= PARALLEL_FROM and sys.platform == "linux":
        context = multiprocessing.get_context("fork")
        chunk = max(1, len(names) // (workers * 4))
        parse = functools.partial(_parse_or_none, settings=settings, with_arcs=with_arcs)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = list(pool.map(parse, names, chunksize=chunk))
    else:
        results = [_parse_or_none(name, settings, with_arcs) for name in names]
    return {path: facts for path, facts in zip(paths, results, strict=True) if facts}


def with_jump_fixers(parser: PythonParser) -> Mapping[Arc, Arc | None]:
    """The parser's arc fixes for jumps out of ``with`` blocks (call after ``arcs()``).

    PRIVATE coverage.py state: ``PythonParser.translate_arcs`` applies
    ``_with_jump_fixers`` and no public API exposes them. This is the only place that
    reads them; ``test_static.py`` fails if coverage.py renames or reshapes them.
    """
    fixers: dict[Arc, Arc | None] = parser._with_jump_fixers
    return dict(fixers)


class FactsReporter(FileReporter):
    """A ``FileReporter`` answering from :class:`StaticFacts` instead of parsing."""

    def __init__(self, filename: str, facts: StaticFacts) -> None:
        super().__init__(filename)
        self.facts = facts

    def lines(self) -> set[int]:
        return set(self.facts.statements)

    def excluded_lines(self) -> set[int]:
        return set(self.facts.excluded)

    def _first_line(self, lineno: int) -> int:
        # as PythonParser.first_line: negative numbers are exits from a code object
        if lineno < 0:
            return -self.facts.multiline.get(-lineno, -lineno)
        return self.facts.multiline.get(lineno, lineno)

    def translate_lines(self, lines: Iterable[int]) -> set[int]:
        return {self._first_line(line) for line in lines}

    def _arc_facts(self) -> ArcFacts:
        if self.facts.arcs is None:
            raise ValueError(f"{self.filename}: no branch facts were computed")
        return self.facts.arcs

    def arcs(self) -> set[Arc]:
        return set(self._arc_facts().arcs)

    def translate_arcs(self, arcs: Iterable[Arc]) -> set[Arc]:
        fixers = self._arc_facts().with_jump_fixers
        fixed = (fixers.get(arc, arc) for arc in arcs)
        return {(self._first_line(a), self._first_line(b)) for a, b in (f for f in fixed if f)}

    def exit_counts(self) -> dict[int, int]:
        return dict(self._arc_facts().exit_counts)

    def no_branch_lines(self) -> set[int]:
        return set(self._arc_facts().no_branch)


def dumps_facts(facts: StaticFacts) -> tuple[str, str | None]:
    """The line facts and the branch facts (or ``None``) as compact JSON."""
    lines = json.dumps(
        [sorted(facts.statements), sorted(facts.excluded), sorted(facts.multiline.items())],
        separators=(",", ":"),
    )
    if facts.arcs is None:
        return lines, None
    a = facts.arcs
    arcs = json.dumps(
        [
            sorted(a.arcs),
            sorted(a.exit_counts.items()),
            sorted(a.no_branch),
            sorted((k, v) for k, v in a.with_jump_fixers.items()),
        ],
        separators=(",", ":"),
        default=list,
    )
    return lines, arcs


def loads_facts(lines: str, arcs: str | None) -> StaticFacts:
    """The inverse of :func:`dumps_facts`."""
    statements, excluded, multiline = json.loads(lines)
    arc_facts = None
    if arcs is not None:
        possible, exits, no_branch, fixers = json.loads(arcs)
        arc_facts = ArcFacts(
            arcs=frozenset((a, b) for a, b in possible),
            exit_counts=dict(exits),
            no_branch=frozenset(no_branch),
            with_jump_fixers={
                (k[0], k[1]): (v[0], v[1]) if v is not None else None for k, v in fixers
            },
        )
    return StaticFacts(
        statements=frozenset(statements),
        excluded=frozenset(excluded),
        multiline=dict(multiline),
        arcs=arc_facts,
    )
