"""The red-kind classifier as a table of facts about an exception."""

from __future__ import annotations

import pytest

from pytest_piv.paths import FileRoles
from pytest_piv.rgr.model import RedKind
from pytest_piv.rgr.redkind import Frame, Project, Raised, classify

ROLES = FileRoles(tests=("tests/**/*.py",), source=("src/**/*.py",))
PROJECT = Project(
    ROLES,
    is_first_party=lambda top: top == "shop",
    is_source_symbol=lambda name: name.split(".")[0] in {"total", "Cart"},
)
IN_TEST = Frame("tests/test_a.py", 7)
IN_SOURCE = Frame("src/shop/cart.py", 3)
IN_LIB = Frame(None, 99)


def raised(
    *types: str, message: str = "boom", frames: tuple[Frame, ...] = (IN_TEST,), **kw: object
) -> Raised:
    return Raised(type_names=(*types, "Exception"), message=message, frames=frames, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "kind", "where"),
    [
        (raised("AssertionError"), RedKind.ASSERTION, "tests/test_a.py:7"),
        (raised("Failed", message="DID NOT RAISE"), RedKind.ASSERTION, "tests/test_a.py:7"),
        (
            raised("NotImplementedError", frames=(IN_TEST, IN_SOURCE)),
            RedKind.NOT_IMPLEMENTED,
            "src/shop/cart.py:3",
        ),
        (
            raised("KeyError", frames=(IN_TEST, IN_SOURCE, IN_LIB)),
            RedKind.CODE_UNDER_TEST,
            "src/shop/cart.py:3",
        ),
        (
            raised("ModuleNotFoundError", "ImportError", missing_module="shop.pricing"),
            RedKind.IMPORT_ERROR,
            "tests/test_a.py:7",
        ),
        (
            raised(
                "ModuleNotFoundError",
                "ImportError",
                missing_module="calculator",
                module_findable=False,
            ),
            RedKind.IMPORT_ERROR,
            "tests/test_a.py:7",
        ),
        (
            raised("ModuleNotFoundError", "ImportError", missing_module="requests"),
            RedKind.TEST_CODE,
            "tests/test_a.py:7",
        ),
        (
            raised("ImportError", message="cannot import name 'total' from 'shop.cart' (x.py)"),
            RedKind.MISSING_SYMBOL,
            "tests/test_a.py:7",
        ),
        (
            raised("ImportError", message="cannot import name 'dumps' from 'json' (x.py)"),
            RedKind.TEST_CODE,
            "tests/test_a.py:7",
        ),
        (
            raised("AttributeError", owner_is_source=True),
            RedKind.MISSING_SYMBOL,
            "tests/test_a.py:7",
        ),
        (raised("AttributeError"), RedKind.TEST_CODE, "tests/test_a.py:7"),
        (
            raised("TypeError", message="total() takes 1 positional argument but 2 were given"),
            RedKind.CALL_SIGNATURE,
            "tests/test_a.py:7",
        ),
        (
            raised("TypeError", message="len() takes exactly one argument (2 given)"),
            RedKind.TEST_CODE,
            "tests/test_a.py:7",
        ),
        (raised("NameError"), RedKind.TEST_CODE, "tests/test_a.py:7"),
        (raised("RuntimeError", during="setup"), RedKind.FIXTURE, "tests/test_a.py:7"),
        (raised("SyntaxError"), RedKind.SYNTAX, "tests/test_a.py:7"),
        (
            raised("SyntaxError", frames=(IN_TEST, IN_SOURCE)),
            RedKind.COLLECTION,
            "src/shop/cart.py:3",
        ),
        (
            raised(
                "ModuleNotFoundError", "ImportError", missing_module="shop.x", during="collection"
            ),
            RedKind.IMPORT_ERROR,
            "tests/test_a.py:7",
        ),
        (raised("ValueError", during="collection"), RedKind.COLLECTION, "tests/test_a.py:7"),
    ],
)
def test_classify_names_the_red_kind_and_where_it_was_raised(
    facts: Raised, kind: RedKind, where: str
) -> None:
    red = classify(facts, PROJECT)
    assert (red.kind, red.where()) == (kind, where)


def test_the_message_is_the_first_line_with_the_exception_type() -> None:
    red = classify(raised("AssertionError", message="assert 1 == 2\n +  where 1 = f()"), PROJECT)
    assert red.message == "AssertionError: assert 1 == 2"
