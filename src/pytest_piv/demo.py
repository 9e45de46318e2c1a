"""The guided Red-Green-Refactor demo: a small shop project and the edits of one cycle.

Pure data and file edits; ``piv demo`` (cli/demo.py) runs ``pytest --piv`` between them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

PROJECT: dict[str, str] = {
    "pyproject.toml": (
        '[project]\nname = "shop"\nversion = "0.1.0"\n\n'
        '[tool.pytest.ini_options]\npythonpath = ["src"]\ntestpaths = ["tests"]\n\n'
        '[tool.piv.rgr]\nmode = "enforce"\npolicy = "standard"\n'
    ),
    ".gitignore": ".piv/\n.coverage\n__pycache__/\n",
    "src/shop/__init__.py": '"""A tiny shopping cart."""\n',
    "src/shop/cart.py": "def subtotal(prices: list[float]) -> float:\n    return sum(prices)\n",
    "tests/test_cart.py": (
        "from shop.cart import subtotal\n\n\n"
        "def test_subtotal_adds_prices() -> None:\n"
        "    assert subtotal([1.0, 2.5]) == 3.5\n\n\n"
        "def test_subtotal_of_nothing_is_zero() -> None:\n"
        "    assert subtotal([]) == 0\n"
    ),
}

CART = "src/shop/cart.py"
TESTS = "tests/test_cart.py"


class Step(NamedTuple):
    title: str
    edit: Callable[[Path], None]
    phase: str
    exit_code: int
    pytest_args: tuple[str, ...] = ()


def write_project(root: Path) -> None:
    for path, text in PROJECT.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _append(path: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        target = root / path
        target.write_text(target.read_text(encoding="utf-8") + text, encoding="utf-8")

    return edit


def _replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        target = root / path
        target.write_text(target.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    return edit


def _nothing(root: Path) -> None:
    del root


STEPS: tuple[Step, ...] = (
    Step("1. adopt the existing suite", _nothing, "ADOPTED", 0),
    Step(
        "2. write a failing test first",
        _append(
            TESTS,
            "\n\ndef test_total_applies_a_percentage_discount() -> None:\n"
            "    from shop.cart import total\n\n"
            "    assert total([10.0, 10.0], discount=10) == 18.0\n",
        ),
        "RED",
        1,
    ),
    Step(
        "3. make it pass with the smallest change",
        _append(
            CART,
            "\n\ndef total(prices: list[float], discount: float = 0) -> float:\n"
            "    return subtotal(prices) * (100 - discount) / 100\n",
        ),
        "GREEN",
        0,
    ),
    Step(
        "4. refactor, with coverage to prove it",
        _replace(
            CART,
            "    return subtotal(prices) * (100 - discount) / 100\n",
            "    factor = (100 - discount) / 100\n    return subtotal(prices) * factor\n",
        ),
        "REFACTOR",
        0,
        ("--cov=shop",),
    ),
    Step(
        "5. a test that passes at once is an RGR violation",
        _append(
            TESTS,
            "\n\ndef test_total_without_discount() -> None:\n"
            "    from shop.cart import total\n\n"
            "    assert total([2.0]) == 2.0\n",
        ),
        "VIOLATION",
        1,
    ),
)
