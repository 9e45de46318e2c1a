"""Acceptance: which failures count as a valid red under each policy."""

from __future__ import annotations

import pytest

from tests.conftest import Project

# one new test file per red kind; each imports the code under test in its own way
KINDS = {
    "assertion": (
        "from shop.cart import subtotal\n\ndef test_it():\n    assert subtotal([1]) == 2\n"
    ),
    "pytest-fail": "import pytest\n\ndef test_it():\n    pytest.fail('not yet')\n",
    "did-not-raise": (
        "import pytest\nfrom shop.cart import subtotal\n\ndef test_it():\n"
        "    with pytest.raises(ValueError):\n        subtotal([1])\n"
    ),
    "not-implemented": "from shop.cart import later\n\ndef test_it():\n    later()\n",
    "code-under-test": "from shop.cart import boom\n\ndef test_it():\n    boom()\n",
    "import-error": "from shop.pricing import price\n\ndef test_it():\n    assert price() == 1\n",
    "missing-symbol": "from shop import cart\n\ndef test_it():\n    assert cart.total([1]) == 1\n",
    "call-signature": (
        "from shop.cart import subtotal\n\ndef test_it():\n    assert subtotal([1], 5) == 1\n"
    ),
    "fixture-error": (
        "import pytest\n\n@pytest.fixture\ndef db():\n    raise RuntimeError('no db')\n\n"
        "def test_it(db):\n    assert db\n"
    ),
    "test-code": "def test_it():\n    assert undefined_helper() == 1\n",
}
EXPECTED_KIND = {
    "assertion": "assertion",
    "pytest-fail": "assertion",
    "did-not-raise": "assertion",
    "not-implemented": "not-implemented",
    "code-under-test": "exception-in-code-under-test",
    "import-error": "import-error",
    "missing-symbol": "missing-symbol",
    "call-signature": "call-signature",
    "fixture-error": "fixture-error",
    "test-code": "error-in-test-code",
}
VALID = {
    "strict": {"assertion", "pytest-fail", "did-not-raise", "not-implemented", "code-under-test"},
    "standard": {
        "assertion",
        "pytest-fail",
        "did-not-raise",
        "not-implemented",
        "code-under-test",
        "import-error",
        "missing-symbol",
        "call-signature",
    },
    "lenient": set(KINDS),
}
CART = """\
def subtotal(prices):
    return sum(prices)


def later():
    raise NotImplementedError


def boom():
    return {}["missing"]
"""


@pytest.mark.parametrize("policy", ["strict", "standard", "lenient"])
def test_each_red_kind_is_classified_and_judged_by_the_policy(
    project: Project, policy: str
) -> None:
    project.write("src/shop/cart.py", CART)
    project.run()
    for name, body in KINDS.items():
        project.write(f"tests/test_kind_{name.replace('-', '_')}.py", body)
    project.run("--piv-rgr-policy", policy, "--continue-on-collection-errors")
    verdicts = project.last_run()
    for name in KINDS:
        nodeid = f"tests/test_kind_{name.replace('-', '_')}.py::test_it"
        verdict, kind = verdicts[nodeid]
        assert kind == EXPECTED_KIND[name], name
        assert verdict == ("red" if name in VALID[policy] else "wrong-red"), (name, policy)


def test_a_wrong_red_is_explained_with_its_kind_and_place(project: Project) -> None:
    project.run()
    project.write("tests/test_typo.py", KINDS["test-code"])
    result = project.run()
    result.stdout.fnmatch_lines(
        [
            "  note: tests/test_typo.py::test_it fails, but for a reason the standard policy "
            "does not count as red: error-in-test-code (NameError: name 'undefined_helper' is "
            "not defined at tests/test_typo.py:2)*"
        ]
    )


def test_a_module_that_cannot_import_the_code_yet_is_red_for_its_tests(project: Project) -> None:
    project.run()
    project.write(
        "tests/test_pricing.py",
        "from shop.pricing import price\n\n\ndef test_price():\n    assert price(2) == 4\n\n\n"
        "def test_price_zero():\n    assert price(0) == 0\n",
    )
    red = project.run()
    red.stdout.fnmatch_lines(["piv: RED — 2 tests fail as expected*"])
    assert project.last_run()["tests/test_pricing.py::test_price"] == ("red", "import-error")
    project.write("src/shop/pricing.py", "def price(n):\n    return n * 2\n")
    green = project.run()
    assert green.ret == 0
    green.stdout.fnmatch_lines(
        ["piv: GREEN — cycle complete: 2 tests turned green by src/shop/pricing.py"]
    )


def test_a_missing_third_party_module_that_is_installed_elsewhere_is_not_red(
    project: Project,
) -> None:
    project.run()
    project.write(
        "tests/test_json.py", "from json import no_such_name\n\n\ndef test_it():\n    pass\n"
    )
    project.run()
    assert project.last_run()["tests/test_json.py::test_it"] == ("wrong-red", "collection-error")


def test_a_syntax_error_in_the_test_file_is_never_red(project: Project) -> None:
    project.run()
    project.write("tests/test_broken.py", "def test_it(:\n    pass\n")
    project.run("--piv-rgr-policy", "lenient")
    assert project.last_run()["tests/test_broken.py"] == ("wrong-red", "syntax-error")
