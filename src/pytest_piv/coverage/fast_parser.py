"""coverage.py's source parser, with Python 3.11's C tokenizer in place of ``tokenize``.

On Python 3.11, ``tokenize.generate_tokens`` is pure Python and takes about 40 % of
coverage.py's ``PythonParser.parse_source``: most of judging a large project whose facts
are not cached yet. The interpreter's own tokenizer is reachable there as
``_tokenize.TokenizerIter``; it yields the same significant tokens with exact types, no
``NL`` tokens, and a comment that ends a line folded into its ``NEWLINE``.

:class:`CTokenParser` replaces only the token pass of ``PythonParser._raw_parse`` -- the
multi-line statement map and the suites that an exclusion pragma on a ``:`` line excludes
-- and keeps every other step coverage.py's own: the statements from the bytecode, the
docstrings and decorator exclusions from the AST, and, for branch data, the arc analysis.
``tests/coverage/test_fast_parser.py`` checks that both parsers give the same facts, file by
file, over a corpus of real code. From Python 3.12 on, ``tokenize`` is C code already and
:func:`parser_class` returns coverage.py's parser unchanged.
"""

from __future__ import annotations

import ast
import importlib
import sys
import token
from collections.abc import Callable, Iterator
from typing import Any

from coverage.parser import PythonParser

try:  # coverage.py internals this parser reuses; without them, coverage.py's own parser
    from coverage.bytecode import ByteParser
    from coverage.parser import _case_is_irrefutable, walk_statement_nodes
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
    """``PythonParser`` whose token pass runs on the interpreter's C tokenizer."""

    def _raw_parse(self) -> None:
        assert _TokenizerIter is not None
        if self.exclude:
            self.raw_excluded = self.lines_matching(self.exclude)
            self.excluded = set(self.raw_excluded)
        excluded = self.excluded
        multiline: dict[int, int] = {}
        indent = exclude_indent = nesting = 0
        excluding = False
        first_line = 0  # the first line of the statement being read, 0 between statements
        empty = True
        for _text, kind, start, end, *_ in _TokenizerIter(self.text):
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
        self.multiline_map = multiline
        if not empty:
            statements = ByteParser(text=self.text, filename=self.filename).find_statements()
            self.raw_statements.update(statements)
        self.excluded = self.first_lines(self.excluded)
        assert self._ast_root is not None
        for node in walk_statement_nodes(self._ast_root):
            self._note_docstring_and_decorators(node)

    def _note_docstring_and_decorators(self, node: ast.AST) -> None:
        """The AST step of coverage.py's ``_raw_parse``, for one statement node."""
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                self.raw_docstrings.update(range(first.lineno, (first.end_lineno or 0) + 1))
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            start = min((d.lineno for d in node.decorator_list), default=node.lineno)
            if self.excluded.intersection(range(start, node.lineno + 1)):
                self.excluded.update(range(start, (node.end_lineno or 0) + 1))
        if isinstance(node, ast.match_case) and _case_is_irrefutable(node):
            body = range(node.body[0].lineno, (node.body[-1].end_lineno or 0) + 1)
            body_statements = self.raw_statements.intersection(body)
            if body_statements and body_statements <= self.excluded:
                pattern = node.pattern
                self.excluded.update(range(pattern.lineno, pattern.end_lineno + 1))


def parser_class() -> type[PythonParser]:
    """The fastest parser that gives coverage.py's facts on this interpreter."""
    if _TokenizerIter is None or ByteParser is None:
        return PythonParser
    return CTokenParser
