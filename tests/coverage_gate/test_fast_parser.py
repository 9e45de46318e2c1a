"""The C-token parser gives exactly coverage.py's facts, file by file, over real code."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import coverage
import pluggy
import pytest
from coverage.config import DEFAULT_EXCLUDE, DEFAULT_PARTIAL
from coverage.exceptions import NotPython
from coverage.misc import join_regex
from coverage.parser import PythonParser

from pytest_piv.coverage import fast_parser
from pytest_piv.coverage.fast_parser import CTokenParser, parser_class
from pytest_piv.coverage.static import ParseSettings, parser_for, settings_key

needs_311 = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11), reason="the C-token parser serves Python 3.11 only"
)

#: the defaults plus the pragmas and idioms real projects add to ``exclude_lines``
EXCLUDE = join_regex(
    [
        *DEFAULT_EXCLUDE,
        r"if TYPE_CHECKING:",
        r"raise NotImplementedError",
        r"^\s*\.\.\.\s*$",
        r"if __name__ == .__main__.:",
        r"@(abc\.)?abstractmethod",
        r"def __repr__",
    ]
)
PARTIAL = join_regex(DEFAULT_PARTIAL)

Facts = tuple[object, ...]


def facts(parser_type: type[PythonParser], text: str, *, arcs: bool) -> Facts | str:
    """What the gate reads from a parser, or the error it raised."""
    parser = parser_type(text=text, filename="<corpus>", exclude=EXCLUDE)
    try:
        parser.parse_source()
    except NotPython as exc:
        return f"NotPython: {exc}"
    found: Facts = (parser.statements, parser.excluded, parser.multiline_map)
    if arcs:
        found += (parser.arcs(), parser.exit_counts(), parser.lines_matching(PARTIAL))
    return found


def corpus() -> Iterator[Path]:
    """Real code no one here wrote: coverage.py, pytest, pluggy, click, stdlib packages."""
    for package in (coverage, pytest, pluggy, click, asyncio, email, json):
        yield from sorted(Path(package.__file__ or "").parent.rglob("*.py"))
    # pytest's implementation, beside its public package
    yield from sorted((Path(pytest.__file__).parent.parent / "_pytest").rglob("*.py"))


SHAPES = {
    "async def docstrings": '''\
async def f():
    """Doc."""
    return 1


async def g(): "one-line doc"


class C:
    async def m(self):
        """Method
        doc."""
        await f()
''',
    "pragma on a multi-line def header": '''\
def f(a,
      b):  # pragma: no cover
    return a


def g(
    x,
):
    """A docstring
    on two lines."""
    return [i for i in x
            if i]
''',
    "decorated and excluded class": """\
import abc


class A:  # pragma: no cover
    @property
    def p(self):
        return 1


class B(abc.ABC):
    @abc.abstractmethod
    def m(self):
        ...

    def __repr__(self):
        return "B"
""",
    "comments, continuations and nesting": """\
x = 1 + \\
    2  # a trailing comment
# a comment line
if (x and
        x):  # pragma: no cover
    y = {
        "k": [1,
              2],
    }
else:
    y = None
while x:  # pragma: no branch
    x -= 1
""",
    "match with an excluded wildcard": """\
def m(v):
    match v:
        case 1:
            return "one"
        case [a, b] if a:
            return "pair"
        case _:  # pragma: no cover
            return "other"
""",
    "empty": "",
    "only comments": "# nothing\n# at all\n",
    "no final newline": "x = (1,\n     2)",
    "try with else and finally": """\
try:
    import json
except ImportError:  # pragma: no cover
    json = None
else:
    pass
finally:
    done = True
""",
    "async and with": """\
async def f(s):
    async with s as t, \\
            s as u:
        async for x in t:
            if x:  # pragma: no cover
                continue
            await u(x)
""",
    "syntax error": "def f(:\n    pass\n",
    "unclosed bracket": "x = [1,\n     2\n",
    "a statement outside a function": "return 1\n",
    "docstring look-alikes": '''\
f"not a docstring {1}"


def a(): "same-line docstring"; x = 1


def b():
    b"bytes are not a docstring"


def c():
    ("parenthesized"
     " and concatenated")
    return 1


def d():
    "a call on a string".strip()


def e():
    ("a")("b")


class F: "class docstring"


async def g():
    r"""raw docstring"""
    if True:
        def h():
            \'\'\'nested\'\'\'
            return 2
        return h


def i(
    x,
):  # a comment after the header
    "after a multi-line header"
''',
    "no docstring at all": "import os\n\nx = os.sep\n",
    "f-strings and nested brackets": """\
name = "x"
text = f"{name!r:>{10}} {'a' if name else 'b'}"
data = {k: [v for v in range(k)] for k in (1, 2)}
""",
}


@needs_311
def test_on_python_311_the_c_token_parser_is_used_with_a_checked_coverage_release_only() -> None:
    checked = coverage.version_info[:2] in fast_parser.CHECKED_COVERAGE
    assert (parser_class() is CTokenParser) == checked


@needs_311
def test_an_async_def_docstring_is_not_a_statement() -> None:
    text = 'async def f():\n    """Doc."""\n'
    assert facts_of(CTokenParser, text) == facts_of(PythonParser, text) == {1}


@needs_311
@pytest.mark.filterwarnings("ignore:'str' object is not callable:SyntaxWarning")
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("arcs", [False, True], ids=["lines", "branches"])
def test_each_tricky_shape_parses_as_coverage_py_parses_it(shape: str, arcs: bool) -> None:
    text = SHAPES[shape]
    assert facts(CTokenParser, text, arcs=arcs) == facts(PythonParser, text, arcs=arcs)


@needs_311
def test_an_excluded_suite_really_is_excluded_by_the_c_token_parser() -> None:
    parser = CTokenParser(text=SHAPES["pragma on a multi-line def header"], exclude=EXCLUDE)
    parser.parse_source()
    assert {1, 2, 3} <= parser.excluded
    assert parser.multiline_map[2] == 1
    assert 6 in parser.statements


@needs_311
@pytest.mark.slow
def test_every_file_of_a_real_corpus_parses_as_coverage_py_parses_it() -> None:
    differing: list[str] = []
    files = 0
    for path in corpus():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        files += 1
        if facts(CTokenParser, text, arcs=True) != facts(PythonParser, text, arcs=True):
            differing.append(str(path))
    assert files > 200
    assert differing == []


def test_without_the_c_tokenizer_coverage_pys_own_parser_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fast_parser, "_TokenizerIter", None)
    assert parser_class() is PythonParser


@needs_311
@pytest.mark.filterwarnings("ignore:'str' object is not callable:SyntaxWarning")
def test_a_file_without_exclusions_is_parsed_without_building_an_ast() -> None:
    parser = CTokenParser(text=SHAPES["docstring look-alikes"], exclude=EXCLUDE)
    parser.parse_source()
    assert parser._ast_root is None
    assert parser.statements == facts_of(PythonParser, SHAPES["docstring look-alikes"])


@needs_311
def test_branch_data_builds_the_ast_the_arcs_need() -> None:
    text = SHAPES["comments, continuations and nesting"].replace("# pragma: no cover", "")
    parser = CTokenParser(text=text, exclude=EXCLUDE)
    parser.parse_source()
    assert parser._ast_root is None
    assert parser.arcs() == facts(PythonParser, text, arcs=True)[3]


def facts_of(parser_type: type[PythonParser], text: str) -> set[int]:
    parser = parser_type(text=text, exclude=EXCLUDE)
    parser.parse_source()
    return parser.statements


@needs_311
def test_a_coverage_py_release_the_parser_was_not_checked_against_gets_its_own_parser() -> None:
    assert parser_class((7, 16)) is PythonParser
    assert parser_class((8, 0)) is PythonParser
    assert parser_class((7, 17)) is CTokenParser
    assert parser_class((7, 18)) is CTokenParser
    for untested in ((7, 19), (7, 42), (7, 99)):
        assert parser_class(untested) is PythonParser


@needs_311
def test_the_c_token_parser_serves_the_gate_by_default() -> None:
    assert parser_for(ParseSettings(exclude=EXCLUDE, partial="")) is CTokenParser


def test_parser_coverage_py_makes_the_gate_use_coverage_pys_own_parser() -> None:
    settings = ParseSettings(exclude=EXCLUDE, partial="", c_tokens=False)
    assert parser_for(settings) is PythonParser
    # facts cached by the C-token parser are not served to a run that turned it off
    assert settings_key(settings) != settings_key(dataclasses.replace(settings, c_tokens=True))
