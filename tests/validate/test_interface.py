"""What other modules' type checking can see of a module: equal digests mean a change
cannot give an unchanged module a new mypy error."""

from __future__ import annotations

import pytest

from pytest_piv.validate.interface import interface_digest, interfaces_unchanged

BASE = '''\
"""Carts."""

from typing import Any

RATE = 3


def subtotal(prices: list[int], *, tax: int = 0) -> int:
    total = sum(prices)
    return total + tax


class Cart:
    size: int

    def __init__(self, items: list[int]) -> None:
        self.items = items

    @property
    def count(self) -> int:
        return len(self.items)
'''


def _variant(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    return total + tax\n", "    return tax + total  # reordered\n"),
        ("        return len(self.items)\n", "        n = len(self.items)\n        return n\n"),
        ("RATE = 3\n", "RATE = 3  # a comment\n\n"),
        ("    total = sum(prices)\n", "    total = sum(\n        prices\n    )\n"),
    ],
    ids=["a-function-body", "a-method-body", "a-comment-and-blank-lines", "formatting"],
)
def test_a_change_inside_function_bodies_keeps_the_interface(old: str, new: str) -> None:
    assert interface_digest(_variant(old, new)) == interface_digest(BASE)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("*, tax: int = 0) -> int:", "tax: int = 0) -> int:"),
        ("tax: int = 0", "tax: int = 1"),
        ("-> int:\n    total", "-> float:\n    total"),
        ("        self.items = items\n", "        self.items = tuple(items)\n"),
        ("        self.items = items\n", "        self.items = items\n        self.extra = 1\n"),
        ("    @property\n", ""),
        ("RATE = 3\n", "RATE = 3.0\n"),
        ("    size: int\n", "    size: str\n"),
        ("    total = sum(prices)\n", "    global RATE\n    RATE = 4\n    total = sum(prices)\n"),
        ("def subtotal(", "async def subtotal("),
    ],
    ids=[
        "a-parameter-kind",
        "a-default",
        "a-return-annotation",
        "an-attribute-set-in-a-method",
        "an-attribute-added-in-a-method",
        "a-decorator",
        "a-module-variable",
        "a-class-annotation",
        "a-global-set-in-a-function",
        "async",
    ],
)
def test_a_change_other_modules_can_see_changes_the_interface(old: str, new: str) -> None:
    assert interface_digest(_variant(old, new)) != interface_digest(BASE)


def test_a_file_that_does_not_parse_has_no_interface() -> None:
    assert interface_digest("def broken(:\n") is None


def test_the_interfaces_are_unchanged_only_when_every_changed_file_is_a_body_edit() -> None:
    body_edit = _variant("    return total + tax\n", "    return tax + total\n")
    assert interfaces_unchanged({"src/cart.py": (BASE, body_edit)})
    signature = _variant("tax: int = 0", "tax: int = 1")
    assert not interfaces_unchanged(
        {"src/cart.py": (BASE, body_edit), "src/b.py": (BASE, signature)}
    )
    assert not interfaces_unchanged({"src/new.py": (None, BASE)})  # an added module
    assert not interfaces_unchanged({"src/gone.py": (BASE, None)})  # a deleted module
    assert not interfaces_unchanged({"src/cart.py": ("def broken(:\n", body_edit)})
    # mypy reads its configuration and stubs from files like these
    for config in ("pyproject.toml", "setup.cfg", "mypy.ini", "src/pkg/py.typed", "a.pth"):
        assert not interfaces_unchanged({config: ("a", "b")}), config
    assert interfaces_unchanged({"README.md": ("a", "b"), "docs/x.rst": (None, "b")})


def test_functions_under_if_and_try_at_module_level_are_reduced_to_their_signatures() -> None:
    guarded = (
        "import sys\nif sys.version_info >= (3, 12):\n    def f() -> int:\n        return {}\n"
    )
    tried = "try:\n    import x\nexcept ImportError:\n    def f() -> int:\n        return {}\n"
    for source in (guarded, tried):
        edited = source.replace("return {}", "return {} + 1")
        assert interface_digest(edited) == interface_digest(source)
        assert interface_digest(source.replace("-> int", "-> str")) != interface_digest(source)
