"""`piv verify` runs, at a commit that changes source, only the tests whose recorded reach
includes a changed file; the others are inferred unchanged (real git, real pytest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.history.repo import Repo, phases, problems, verify

pytestmark = pytest.mark.slow

LOOP = "def total(prices):\n    out = 0\n    for p in prices:\n        out += p\n    return out\n"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "proj")
    repo.git("checkout", "-q", "main")
    repo.write("src/shop/tax.py", "def rate():\n    return 2\n")
    repo.write(
        "tests/test_tax.py",
        "from shop.tax import rate\n\n\ndef test_rate():\n    assert rate() == 2\n",
    )
    repo.commit("chore: tax")
    repo.git("checkout", "-q", "feature")
    repo.git("reset", "-q", "--hard", "main")
    return repo


def _rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = report["commits"]
    assert isinstance(rows, list)
    return rows


def test_a_refactor_runs_only_the_tests_that_reach_it_and_passes(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/shop/cart.py", LOOP)
    repo.commit("refactor: a loop")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 0, problems(report)
    assert phases(report) == ["REFACTOR"]
    [row] = _rows(report)
    assert (row["verdict"], row["inferred"]) == ("ok", 1)


def test_a_regression_in_a_reached_test_is_caught_and_the_unrelated_test_is_not_rerun(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/shop/cart.py", LOOP)
    repo.commit("refactor: a loop")
    repo.write("src/shop/cart.py", "def total(prices):\n    return 0\n")
    repo.commit("refactor: simpler")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 1
    assert phases(report) == ["REFACTOR", "REGRESSION"]
    assert [r["inferred"] for r in _rows(report)] == [1, 1]
    [message] = problems(report)
    assert message.startswith("tests/test_cart.py::test_total passed before and now fails")


def test_a_new_source_file_no_test_reaches_runs_every_test(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/shop/extra.py", "X = 1\n")
    repo.commit("refactor: extra")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 0, problems(report)
    [row] = _rows(report)
    assert (row["phase"], row["inferred"]) == ("REFACTOR", 0)


def test_a_test_then_its_code_proves_the_cycle_with_the_red_test_selected(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.append(
        "tests/test_tax.py",
        "\n\ndef test_double():\n    from shop.tax import double\n\n    assert double(2) == 4\n",
    )
    red = repo.commit("test: double")
    repo.append("src/shop/tax.py", "\n\ndef double(x):\n    return 2 * x\n")
    green = repo.commit("feat: double")
    repo.write("src/shop/cart.py", LOOP)
    repo.commit("refactor: a loop")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 0, problems(report)
    assert phases(report) == ["RED", "GREEN", "REFACTOR"]
    # at the feat commit only test_double ran: no other test called a function that
    # changed (double is new); the refactor ran only the cart test
    assert [r["inferred"] for r in _rows(report)] == [0, 2, 2]
    [story] = [t for t in report["tests"] if t["nodeid"].endswith("test_double")]
    assert (story["red_at"], story["green_at"]) == (red, green)


def test_a_config_change_runs_every_test(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("src/shop/cart.py", LOOP)
    repo.append("pyproject.toml", "\n# a comment\n")
    repo.commit("refactor: a loop and config")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 0, problems(report)
    [row] = _rows(report)
    assert (row["phase"], row["inferred"]) == ("REFACTOR", 0)
