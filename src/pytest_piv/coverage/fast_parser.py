"""coverage.py's source parser, with Python 3.11's C tokenizer in place of ``tokenize``.

On Python 3.11, ``tokenize.generate_tokens`` is pure Python and takes about 40 % of
coverage.py's ``PythonParser.parse_source``: most of judging a large project whose facts
are not cached yet. The interpreter's own tokenizer is reachable there as
``_tokenize.TokenizerIter``; it yields the same significant tokens with exact types, no
``NL`` tokens, and a comment that ends a line folded into its ``NEWLINE``.

:class:`CTokenParser` replaces the token pass of ``PythonParser._raw_parse`` -- the
multi-line statement map and the suites that an exclusion pragma on a ``:`` line excludes.
A file with no exclusion match also gets its docstrings from the tokens and builds no AST;
a file with one takes coverage.py's AST steps. The statements still come from the bytecode
and, for branch data, the arcs from coverage.py's own analysis.
``tests/coverage_gate/test_fast_parser.py`` checks that both parsers give the same facts,
file by file, over a corpus of real code. From Python 3.12 on, ``tokenize`` is C code
already and :func:`parser_class` returns coverage.py's parser unchanged.
"""

from __future__ import annotations

import ast
import importlib
import sys
import token
from collections.abc import Callable, Iterator
from typing import Any

import coverage
from coverage.parser import PythonParser

try:  # coverage.py internals this parser reuses; without them, coverage.py's own parser
    from coverage.bytecode import ByteParser
    from coverage.parser import _case_is_irrefutable
except ImportError:  # pragma: no cover - a coverage.py release that moved them
    ByteParser = None  # type: ignore[assignment,misc]

_OPEN = frozenset({token.LPAR, token.LSQB, token.LBRACE})
_CLOSE = frozenset({token.RPAR, token.RSQB, token.RBRACE})
_SKIPPED = frozenset({token.COMMENT, token.NL, token.ENDMARKER})

#: the C tokenizer's iterator, when this interpreter has the 3.11 one
_TokenizerIter: Callable[[str], Iterator[tuple[Any, ...]]] | None = None
if sys.version_info[:2] == (3, 11):  # pragma: no branch
    try:
        _TokenizerIter = importlib.import_module("_tokenize").TokenizerIter
    except (ImportError, AttributeError):  # pragma: no cover - another 3.11 build
        _TokenizerIter = None


class CTokenParser(PythonParser):
    """``PythonParser`` whose token pass runs on the interpreter's C tokenizer.

    A file with no line matching the exclusion regexes -- most files -- needs the AST
    only for its docstrings, which the tokens show as well; it is parsed without building
    an AST (built later, if branch data asks for arcs).
    """

    def parse_source(self) -> None:
        assert _TokenizerIter is not None
        if self.exclude:
            self.raw_excluded = self.lines_matching(self.exclude)
        if self.raw_excluded:
            super().parse_source()  # exclusions carry through the AST: coverage.py's way
            return
        try:
            tokens = list(_TokenizerIter(self.text))
            if _stopped_early(tokens):
                raise ValueError("the tokenizer stopped early")  # e.g. an unclosed bracket
            self.multiline_map, empty, docstrings = _lines_and_docstrings(tokens)
            if not empty:
                code = ByteParser(text=self.text, filename=self.filename)
                self.raw_statements.update(code.find_statements())
        except (SyntaxError, ValueError):  # coverage.py's own path reports it in its words
            self.multiline_map, self.raw_statements = {}, set()
            super().parse_source()
            return
        self.raw_docstrings.update(docstrings)
        self.statements = self.first_lines(self.raw_statements - docstrings) - docstrings

    def _analyze_ast(self) -> None:
        if self._ast_root is None:
            self._ast_root = ast.parse(self.text)
        super()._analyze_ast()

    def _raw_parse(self) -> None:
        """coverage.py's ``_raw_parse`` on C tokens (``raw_excluded`` is already known)."""
        assert _TokenizerIter is not None
        self.excluded = set(self.raw_excluded)
        tokens = list(_TokenizerIter(self.text))
        self.multiline_map, empty = _lines_and_exclusions(tokens, self.excluded)
        if not empty:
            statements = ByteParser(text=self.text, filename=self.filename).find_statements()
            self.raw_statements.update(statements)
        self.excluded = self.first_lines(self.excluded)
        assert self._ast_root is not None
        self._note_docstrings_and_decorators(self._ast_root)

    def _note_docstrings_and_decorators(self, root: ast.AST) -> None:
        """The AST step of coverage.py's ``_raw_parse``: docstrings, exclusions carried
        from decorators and signatures to bodies, and an excluded wildcard ``case``.

        It visits the statement nodes in the order coverage.py's ``walk_statement_nodes``
        does, but descends only into statement lists and looks only at the node types
        this step is about.
        """
        todo = [root]
        while todo:
            node = todo.pop()
            kind = type(node)
            if kind in _SCOPES:
                self._note_scope(node)  # type: ignore[arg-type]
            elif kind is ast.match_case:
                self._note_case(node)  # type: ignore[arg-type]
            for name in _BODIES.get(kind, ()):
                todo.extend(getattr(node, name))

    def _note_scope(self, node: ast.Module | ast.ClassDef | ast.FunctionDef) -> None:
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            self.raw_docstrings.update(range(first.lineno, (first.end_lineno or 0) + 1))
        if isinstance(node, ast.Module):
            return
        start = min((d.lineno for d in node.decorator_list), default=node.lineno)
        if self.excluded.intersection(range(start, node.lineno + 1)):
            self.excluded.update(range(start, (node.end_lineno or 0) + 1))

    def _note_case(self, node: ast.match_case) -> None:
        if not _case_is_irrefutable(node):
            return
        body = range(node.body[0].lineno, (node.body[-1].end_lineno or 0) + 1)
        body_statements = self.raw_statements.intersection(body)
        if body_statements and body_statements <= self.excluded:
            pattern = node.pattern
            self.excluded.update(range(pattern.lineno, pattern.end_lineno + 1))


Token = tuple[Any, ...]
#: kinds that neither start nor end a logical line
_INSIGNIFICANT = _SKIPPED | {token.INDENT, token.DEDENT}


def _lines_and_docstrings(tokens: list[Token]) -> tuple[dict[int, int], bool, set[int]]:
    """The multi-line statement map, whether the file is empty, and the docstring lines,
    logical line by logical line.

    A logical line ends at a ``NEWLINE`` token and starts at the first significant token
    after the previous one; ``list.index`` finds the ``NEWLINE`` tokens in C. A docstring is
    the first statement of the module or of a ``def`` or ``class`` body when it is a plain
    string literal (as coverage.py reads the AST: ``Expr(Constant(str))``).
    """
    kinds = [t[1] for t in tokens]
    multiline: dict[int, int] = {}
    docstrings: set[int] = set()
    empty = True
    end = -1
    newline = token.NEWLINE
    body_next = True  # the next logical line is the module's or a body's first statement
    try:
        while True:
            begin = end + 1
            end = kinds.index(newline, begin)
            while begin < end and kinds[begin] in _INSIGNIFICANT:
                begin += 1
            if begin == end:
                continue
            empty = False
            first, last = tokens[begin][2], tokens[end][3]
            if last != first:
                for lineno in range(first, last + 1):
                    multiline[lineno] = first
            if body_next:
                _note_docstring(tokens, kinds, begin, end, docstrings)
            body_next = False
            if kinds[begin] in _KEYWORD_KINDS and tokens[begin][0] in _SCOPE_KEYWORDS:
                colon = _header_colon(kinds, begin, end)
                if colon == end - 1:
                    body_next = True
                elif colon is not None:  # the body on the header's line
                    _note_docstring(tokens, kinds, colon + 1, end, docstrings)
    except ValueError:  # no more NEWLINE tokens
        pass
    return multiline, empty, docstrings


def _stopped_early(tokens: list[Token]) -> bool:
    """True when the last significant token ends no logical line: the C tokenizer stops
    without an error at the end of a file with an unclosed bracket."""
    for token_info in reversed(tokens):
        if token_info[1] not in _INSIGNIFICANT:
            return bool(token_info[1] != token.NEWLINE)
    return False


_SCOPE_KEYWORDS = frozenset({"def", "class", "async"})
#: Python 3.11's C tokenizer gives ``async`` its own ``ASYNC`` kind, not ``NAME``
_KEYWORD_KINDS = frozenset({token.NAME, getattr(token, "ASYNC", token.NAME)})
_STRING_PREFIX_LETTERS = "rRuUbBfF"


def _header_colon(kinds: list[int], begin: int, end: int) -> int | None:
    """The index of the ``:`` that ends a ``def`` or ``class`` header."""
    nesting = 0
    for index in range(begin, end):
        kind = kinds[index]
        if kind in _OPEN:
            nesting += 1
        elif kind in _CLOSE:
            nesting -= 1
        elif kind == token.COLON and nesting == 0:
            return index
    return None


def _note_docstring(
    tokens: list[Token], kinds: list[int], begin: int, end: int, docstrings: set[int]
) -> None:
    """Add the lines of the statement at ``begin`` if it is a plain string literal:
    ``(`` * n, one or more ``str`` (not bytes, not f-string) tokens, ``)`` * n."""
    stop = begin
    while stop < end and kinds[stop] != token.SEMI:
        stop += 1
    index = begin
    while index < stop and kinds[index] == token.LPAR:
        index += 1
    opened = index - begin
    strings = index
    while index < stop and kinds[index] == token.STRING:
        prefix = tokens[index][0][:3].split("'")[0].split('"')[0]
        if "f" in prefix.lower() or "b" in prefix.lower():
            return
        index += 1
    if index == strings:
        return
    closed = index
    while index < stop and kinds[index] == token.RPAR:
        index += 1
    if index != stop or index - closed != opened:
        return
    docstrings.update(range(tokens[begin][2], tokens[stop - 1][3] + 1))


def _lines_and_exclusions(tokens: list[Token], excluded: set[int]) -> tuple[dict[int, int], bool]:
    """:func:`_lines`, token by token, also extending ``excluded`` to the suites that a
    pragma on their header line excludes (coverage.py's rule)."""
    multiline: dict[int, int] = {}
    indent = exclude_indent = nesting = 0
    excluding = False
    first_line = 0  # the first line of the statement being read, 0 between statements
    empty = True
    for _text, kind, start, end, *_ in tokens:
        if kind == token.NEWLINE:
            if first_line and end != first_line:
                for lineno in range(first_line, end + 1):
                    multiline[lineno] = first_line
            first_line = 0
            continue
        if kind == token.INDENT:
            indent += 1
            continue
        if kind == token.DEDENT:
            indent -= 1
            continue
        if kind in _SKIPPED:
            continue
        if kind == token.COLON:
            # a pragma anywhere on a suite's header line excludes the whole suite
            header = range(first_line or start, end + 1)
            if nesting == 0 and not excluding and excluded.intersection(header):
                excluded.add(end)
                exclude_indent = indent
                excluding = True
        elif kind in _OPEN:
            nesting += 1
        elif kind in _CLOSE:
            nesting -= 1
        empty = False
        if not first_line:
            first_line = start
            if excluding and indent <= exclude_indent:
                excluding = False
            if excluding:
                excluded.add(end)
    return multiline, empty


_SCOPES = frozenset({ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef})
_BODY_FIELDS = ("body", "handlers", "orelse", "finalbody", "cases")


def _body_fields() -> dict[type[ast.AST], tuple[str, ...]]:
    """For each node type that holds statements, its statement-list fields, in the order
    ``ast.iter_child_nodes`` yields them."""
    kinds: list[type[ast.AST]] = [ast.Module, ast.ExceptHandler, ast.match_case]
    kinds += _subclasses(ast.stmt)
    found = {k: tuple(f for f in k._fields if f in _BODY_FIELDS) for k in kinds}
    return {k: fields for k, fields in found.items() if fields}


def _subclasses(kind: type[ast.AST]) -> list[type[ast.AST]]:
    out: list[type[ast.AST]] = []
    for sub in kind.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


_BODIES = _body_fields()


#: the coverage.py minor releases whose parser internals ``CTokenParser`` was checked
#: against: ``test_fast_parser.py`` compares the two parsers over a corpus on every run
#: of the suite, and CI runs it on the oldest supported and the newest coverage.py. A
#: release not listed here gets coverage.py's own parser until it has been checked.
CHECKED_COVERAGE = frozenset({(7, 17), (7, 18)})


def parser_class(coverage_version: tuple[int, ...] | None = None) -> type[PythonParser]:
    """The fastest parser that gives coverage.py's facts on this interpreter and release."""
    version = tuple((coverage_version or coverage.version_info)[:2])
    if _TokenizerIter is None or ByteParser is None or version not in CHECKED_COVERAGE:
        return PythonParser
    return CTokenParser
