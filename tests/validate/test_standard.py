"""The standard preset's scoped steps: mypy over the change and its importers, the quality
gates against HEAD, and pytest over the tests the change can affect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pytest_piv.cli import main
from pytest_piv.config import load_config
from pytest_piv.validate.project import Project, Target, select_files
from pytest_piv.validate.steps import affected_tests
from tests.validate.conftest import Repo, make_repo

PRESETS = """
[tool.piv.validate.presets]
types = ["mypy"]
gated = ["gates"]
tested = ["pytest"]
"""

SIGNATURE_CHANGE = (
    "def subtotal(prices: list[int], tax: int) -> int:\n    return sum(prices) + tax\n"
)
ORIGINAL_CART = "def subtotal(prices: list[int]) -> int:\n    return sum(prices)\n"
BROKEN_CALLER = (
    'src/shop/checkout.py:5:12: call-arg Missing positional argument "tax" in call to "subtotal"'
)


@pytest.fixture
def shop(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "shop", PRESETS)


@pytest.mark.slow
def test_a_signature_change_that_breaks_an_unchanged_caller_is_reported(shop: Repo) -> None:
    shop.write("src/shop/cart.py", SIGNATURE_CHANGE)
    code, out = shop.piv("validate", "--preset", "types")
    assert code == 1
    assert BROKEN_CALLER in out.splitlines()
    assert "mypy  fail" in out
    # what a staged-files-only mypy hook sees: nothing wrong
    alone = subprocess.run(
        [sys.executable, "-m", "mypy", "src/shop/cart.py"],
        cwd=shop.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert alone.returncode == 0, alone.stdout


@pytest.mark.slow
def test_the_base_check_starts_from_the_projects_own_mypy_cache(shop: Repo) -> None:
    subprocess.run([sys.executable, "-m", "mypy", "src"], cwd=shop.path, check=True)
    project_files = {p.name for p in (shop.path / ".mypy_cache").rglob("*") if p.is_file()}
    shop.write("src/shop/cart.py", SIGNATURE_CHANGE)
    code, out = shop.piv("validate", "--preset", "types")
    assert code == 1
    assert BROKEN_CALLER in out.splitlines()
    seeded = shop.path / ".piv" / "validate" / "mypy-head-cache"
    assert project_files
    assert project_files <= {p.name for p in seeded.rglob("*") if p.is_file()}


def _commit_old_debt(shop: Repo) -> None:
    """checkout.py, an importer of cart.py, has a type error at HEAD."""
    shop.write(
        "src/shop/checkout.py",
        "from shop.cart import subtotal\n\n\n"
        "def total(prices: list[int]) -> int:\n    return subtotal(prices) + 1\n\n\n"
        'def label() -> int:\n    return "old debt"\n',
    )
    shop.commit("debt")


@pytest.mark.slow
def test_errors_already_at_head_in_untouched_code_are_not_newly_reported(shop: Repo) -> None:
    _commit_old_debt(shop)
    shop.write("src/shop/cart.py", SIGNATURE_CHANGE)
    code, out = shop.piv("validate", "--preset", "types")
    assert code == 1
    assert BROKEN_CALLER in out.splitlines()
    assert "old debt" not in out
    assert "return-value" not in out


LONG = "def long_one() -> int:\n" + "    x = 1\n" * 60 + "    return x\n"


def test_existing_gate_violations_are_a_baseline_and_only_new_ones_fail(shop: Repo) -> None:
    shop.write("src/shop/legacy.py", LONG)
    shop.commit("legacy")
    shop.write("src/shop/legacy.py", "# touched\n" + LONG)
    code, data = shop.validate_json("--preset", "gated")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert (code, steps[0]["verdict"]) == (0, "pass")
    assert steps[0]["detail"] == "1 existing violation not reported"

    shop.write("src/shop/legacy.py", LONG + "\n\n" + LONG.replace("long_one", "long_two"))
    code, out = shop.piv("validate", "--preset", "gated")
    assert code == 1
    assert (
        "src/shop/legacy.py:65:1: PIV101 function long_two is 62 lines long (max 50)"
        in out.splitlines()
    )
    assert "long_one" not in out


def test_an_import_cycle_a_change_adds_fails_the_gates(shop: Repo) -> None:
    shop.write(
        "src/shop/cart.py",
        "from shop import checkout\n\n\n"
        "def subtotal(prices: list[int]) -> int:\n    return sum(prices)\n",
    )
    code, out = shop.piv("validate", "--preset", "gated")
    assert code == 1
    assert (
        "src/shop/cart.py:1:1: PIV104 import cycle shop.cart -> shop.checkout -> shop.cart"
        " (here: import of shop.checkout)" in out.splitlines()
    )


def test_the_gates_can_be_switched_off(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "off", PRESETS + "\n[tool.piv.gates]\nfunction_length = false\n")
    repo.write("src/shop/legacy.py", LONG)
    assert repo.piv("validate", "--preset", "gated")[0] == 0


def _affected(repo: Repo) -> list[str] | None:
    piv = load_config(repo.path)
    files, deleted = select_files(repo.path, (), all_files=False)
    target = Target(repo.path, files, deleted, False, piv.validate, piv.roles, sys.executable, True)
    return affected_tests(Project(target))


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ("src/shop/cart.py", ["tests/test_checkout.py"]),
        ("tests/test_other.py", ["tests/test_other.py"]),
        ("src/shop/unused.py", []),
        ("tests/conftest.py", None),
        ("pyproject.toml", None),
        ("README.md", []),
    ],
)
def test_the_tests_a_change_can_affect_come_from_the_import_graph(
    shop: Repo, changed: str, expected: list[str] | None
) -> None:
    path = shop.path / changed
    path.write_text((path.read_text() if path.exists() else "") + "\n# changed\n")
    assert _affected(shop) == expected


def test_pytest_runs_the_affected_tests_and_reports_their_failures(shop: Repo) -> None:
    shop.write("src/shop/cart.py", "def subtotal(prices: list[int]) -> int:\n    return 0\n")
    code, data = shop.validate_json("--preset", "tested")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert code == 1
    assert [f["message"].split()[0] for f in steps[0]["findings"]] == [
        "tests/test_checkout.py::test_total"
    ]
    shop.write("src/shop/unused.py", "X = 1\n")
    shop.write("src/shop/cart.py", ORIGINAL_CART)
    code, data = shop.validate_json("--preset", "tested")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert (code, steps[0]["verdict"]) == (0, "skip")
    assert steps[0]["detail"] == "no test imports the changed files"


@pytest.mark.slow
def test_mypy_over_its_budget_is_reported_as_such_and_never_hangs(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "b", PRESETS + "\n[tool.piv.validate.budgets]\nmypy = 0.05\n")
    repo.write("src/shop/cart.py", SIGNATURE_CHANGE)
    code, data = repo.validate_json("--preset", "types")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert code == 1
    assert (steps[0]["verdict"], steps[0]["detail"]) == ("timeout", "over its budget of 0.05s")


def test_base_judges_committed_changes_against_an_older_commit(shop: Repo) -> None:
    shop.write("src/shop/legacy.py", LONG)
    shop.commit("feat: legacy")
    # nothing changed since HEAD, so nothing to judge
    assert shop.validate_json("--preset", "gated")[1]["files"] == []
    code, out = shop.piv("validate", "--preset", "gated", "--base", "HEAD~1")
    assert code == 1
    assert "src/shop/legacy.py:1:1: PIV101 function long_one is 62 lines long (max 50)" in out
    code, out = shop.piv("validate", "--preset", "gated", "--base", "HEAD")
    assert code == 0


def test_an_unknown_base_is_a_usage_error(shop: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(shop.path), "validate", "--base", "nope"]) == 2
    assert capsys.readouterr().err.startswith("piv: error: --base 'nope': not a commit of")


def test_a_module_with_a_stub_beside_it_is_checked_through_its_stub_once(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "stubbed", PRESETS)
    repo.write("src/shop/cart.pyi", "def subtotal(prices: list[int]) -> int: ...\n")
    repo.commit("stub")
    repo.write("src/shop/cart.py", "def subtotal(prices: list[int]) -> int:\n    return 0\n")
    repo.write("src/shop/cart.pyi", "def subtotal(prices: list[int]) -> int: ...\n\n")
    code, out = repo.piv("validate", "--preset", "types")
    assert code == 0, out
    assert "mypy  pass" in out


@pytest.mark.slow
def test_a_body_only_change_needs_no_check_at_head_for_old_errors_in_unchanged_files(
    shop: Repo,
) -> None:
    _commit_old_debt(shop)
    shop.write("src/shop/cart.py", "def subtotal(prices: list[int]) -> int:\n    return 0\n")
    code, data = shop.validate_json("--preset", "types")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert (code, steps[0]["verdict"], steps[0]["findings"]) == (0, "pass", [])
    assert str(steps[0]["detail"]).endswith(
        "1 error already at HEAD not reported (no interface changed)"
    )
    assert not (shop.path / ".piv" / "validate" / "mypy-baseline-2.json").exists()

    # a new error in the changed file itself is still told from its old ones at HEAD
    shop.write("src/shop/cart.py", 'def subtotal(prices: list[int]) -> int:\n    return "x"\n')
    code, out = shop.piv("validate", "--preset", "types")
    assert code == 1
    assert "src/shop/cart.py:2:12: return-value" in out
    assert "old debt" not in out


@pytest.mark.slow
def test_the_interface_rule_can_be_turned_off_and_then_head_is_checked(tmp_path: Path) -> None:
    shop = make_repo(tmp_path / "off", PRESETS + "\n[tool.piv.validate]\ninterface_rule = false\n")
    _commit_old_debt(shop)
    shop.write("src/shop/cart.py", "def subtotal(prices: list[int]) -> int:\n    return 0\n")
    code, data = shop.validate_json("--preset", "types")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert (code, steps[0]["verdict"]) == (0, "pass")
    assert str(steps[0]["detail"]).endswith("1 error already at HEAD not reported")
    assert (shop.path / ".piv" / "validate" / "mypy-baseline-2.json").exists()


@pytest.mark.slow
def test_an_attribute_a_method_body_changes_is_an_interface_change(shop: Repo) -> None:
    shop.write(
        "src/shop/cart.py",
        "class Cart:\n    def __init__(self) -> None:\n        self.size = 0\n",
    )
    shop.write(
        "src/shop/checkout.py",
        "from shop.cart import Cart\n\n\n"
        "def grow(cart: Cart) -> int:\n    return cart.size + 1\n\n\n"
        'def label() -> int:\n    return "old debt"\n',
    )
    shop.commit("debt")
    shop.write(
        "src/shop/cart.py",
        "class Cart:\n    def __init__(self) -> None:\n        self.size = 'none'\n",
    )
    code, out = shop.piv("validate", "--preset", "types")
    assert code == 1
    assert (
        'src/shop/checkout.py:5:24: operator Unsupported operand types for + ("str" and "int")'
        in out
    )
    assert "old debt" not in out


@pytest.mark.slow
def test_fixing_callers_one_by_one_reuses_the_check_at_head_file_by_file(shop: Repo) -> None:
    shop.write(
        "src/shop/report.py",
        "from shop.cart import subtotal\n\n\n"
        "def line(prices: list[int]) -> str:\n    return str(subtotal(prices))\n",
    )
    shop.commit("report")
    shop.write("src/shop/cart.py", SIGNATURE_CHANGE)
    code, out = shop.piv("validate", "--preset", "types")
    assert code == 1
    assert "src/shop/report.py:5:16: call-arg" in out
    cache = shop.path / ".piv" / "validate" / "mypy-baseline-2.json"
    checked_at_head = cache.stat().st_mtime_ns

    shop.write(
        "src/shop/report.py",
        "from shop.cart import subtotal\n\n\n"
        "def line(prices: list[int]) -> str:\n    return str(subtotal(prices, 0))\n",
    )
    code, out = shop.piv("validate", "--preset", "types")
    assert code == 1
    assert BROKEN_CALLER in out.splitlines()
    assert "report.py" not in out
    assert cache.stat().st_mtime_ns == checked_at_head  # no second check at HEAD
