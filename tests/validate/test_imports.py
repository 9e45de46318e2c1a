"""The project's import graph: module names, edges, reverse importers and cycles."""

from __future__ import annotations

import pytest

from pytest_piv.validate.imports import Import, build_graph, imports_of, module_name

INITS = {"src/shop", "src/shop/api", "tests"}


def has_init(directory: str) -> bool:
    return directory in INITS


@pytest.mark.parametrize(
    ("path", "module"),
    [
        ("src/shop/cart.py", "shop.cart"),
        ("src/shop/__init__.py", "shop"),
        ("src/shop/api/routes.py", "shop.api.routes"),
        ("tests/test_cart.py", "tests.test_cart"),
        ("scripts/tool.py", "tool"),
        ("setup.py", "setup"),
    ],
)
def test_a_file_is_named_by_its_packages_up_to_the_first_directory_without_init(
    path: str, module: str
) -> None:
    assert module_name(path, has_init) == module


def test_relative_and_from_imports_are_resolved_against_the_package() -> None:
    source = (
        "import os\n"
        "from . import cart\n"
        "from .cart import subtotal\n"
        "from ..util import x\n"
        "import shop.api.routes as r\n"
    )
    assert imports_of(source, "shop.api.views", is_package=False) == [
        Import("os", 1),
        Import("shop.api.cart", 2),
        Import("shop.api.cart.subtotal", 3),
        Import("shop.util.x", 4),
        Import("shop.api.routes", 5),
    ]


def test_a_file_that_does_not_parse_has_no_imports() -> None:
    assert imports_of("import (\n", "m", is_package=False) == []


SOURCES = {
    "src/shop/__init__.py": "",
    "src/shop/cart.py": "import os\n",
    "src/shop/checkout.py": "from shop.cart import subtotal\n",
    "src/shop/api/__init__.py": "",
    "src/shop/api/routes.py": "from shop import checkout\n",
    "tests/__init__.py": "",
    "tests/test_cart.py": "from shop.cart import subtotal\n",
}


def test_only_project_modules_are_edges_at_their_deepest_existing_name() -> None:
    graph = build_graph(SOURCES, has_init)
    assert graph.edges["shop.cart"] == {}
    assert graph.edges["shop.checkout"] == {"shop.cart": 1}
    assert graph.edges["shop.api.routes"] == {"shop.checkout": 1}


@pytest.mark.parametrize(
    ("depth", "importers"),
    [
        (1, {"shop.checkout", "tests.test_cart"}),
        (2, {"shop.checkout", "tests.test_cart", "shop.api.routes"}),
        (None, {"shop.checkout", "tests.test_cart", "shop.api.routes"}),
        (0, set()),
    ],
)
def test_reverse_importers_are_found_up_to_the_depth(
    depth: int | None, importers: set[str]
) -> None:
    assert build_graph(SOURCES, has_init).reverse_closure({"shop.cart"}, depth) == importers


def test_cycles_are_found_and_a_graph_without_them_has_none() -> None:
    assert build_graph(SOURCES, has_init).cycles() == []
    cyclic = {
        **SOURCES,
        "src/shop/cart.py": "from shop.api import routes\n",
    }
    assert build_graph(cyclic, has_init).cycles() == [
        ("shop.api.routes", "shop.cart", "shop.checkout")
    ]
