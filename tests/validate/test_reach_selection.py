"""`piv validate`'s pytest step picks tests by their recorded reach when one is known:
from the store (`pytest --piv --piv-rgr-reach=record`) or coverage.py's test contexts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pytest_piv.config import load_config
from pytest_piv.validate.project import Project, Target, select_files
from pytest_piv.validate.reach_map import coverage_reach, recorded_reach
from pytest_piv.validate.steps import affected_tests, reach_affected
from tests.validate.conftest import Repo, make_repo

pytestmark = pytest.mark.slow

LABEL_TEST = (
    "from shop import checkout, label\n\n\n"
    "def test_label() -> None:\n    assert label.label() == 'x'\n"
)


@pytest.fixture
def shop(tmp_path: Path) -> Repo:
    repo = make_repo(tmp_path / "shop", '\n[tool.piv.validate.presets]\ntested = ["pytest"]\n')
    repo.write("src/shop/label.py", "def label() -> str:\n    return 'x'\n")
    repo.write("tests/test_label.py", LABEL_TEST)
    repo.commit("label")
    return repo


def _pytest(repo: Repo, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _project(repo: Repo) -> Project:
    piv = load_config(repo.path)
    files, deleted = select_files(repo.path, (), all_files=False)
    target = Target(
        repo.path,
        files,
        deleted,
        False,
        piv.validate,
        piv.roles,
        sys.executable,
        True,
        db=piv.db,
    )
    return Project(target)


def _is_source(path: str) -> bool:
    return path.startswith("src/")


def test_without_recorded_reach_the_import_graph_decides(shop: Repo) -> None:
    shop.write(
        "src/shop/checkout.py", "# changed\n" + (shop.path / "src/shop/checkout.py").read_text()
    )
    project = _project(shop)
    assert recorded_reach(shop.path, project.target.db, _is_source) == {}
    assert affected_tests(project) == ["tests/test_checkout.py", "tests/test_label.py"]


def test_recorded_reach_drops_a_test_that_only_imports_the_changed_module(shop: Repo) -> None:
    # (a comment alone changes no function: no test at all would be affected)
    _pytest(shop, "--piv", "--piv-rgr-reach=record")
    checkout = shop.path / "src/shop/checkout.py"
    checkout.write_text(
        checkout.read_text().replace("subtotal(prices) + 1", "1 + subtotal(prices)")
    )
    project = _project(shop)
    reach = recorded_reach(shop.path, project.target.db, _is_source)
    assert reach["tests/test_label.py::test_label"].files == {"src/shop/label.py"}
    assert reach_affected(project, reach) == ["tests/test_checkout.py"]
    code, data = shop.validate_json("--preset", "tested")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert (code, steps[0]["verdict"]) == (0, "pass")


def test_a_change_no_recorded_test_reaches_runs_every_test(shop: Repo) -> None:
    _pytest(shop, "--piv", "--piv-rgr-reach=record")
    shop.write("src/shop/new.py", "X = 1\n")
    project = _project(shop)
    reach = recorded_reach(shop.path, project.target.db, _is_source)
    assert reach_affected(project, reach) is None


def test_coverage_test_contexts_give_the_reach_without_piv(shop: Repo) -> None:
    _pytest(shop, "-p", "no:piv", "--cov=src", "--cov-context=test")
    reach = coverage_reach(shop.path, _is_source)
    assert reach["tests/test_label.py::test_label"].files == {"src/shop/label.py"}
    assert reach["tests/test_checkout.py::test_total"].files == {
        "src/shop/checkout.py",
        "src/shop/cart.py",
    }


def test_coverage_data_without_contexts_gives_no_reach(shop: Repo) -> None:
    _pytest(shop, "-p", "no:piv", "--cov=src")
    assert coverage_reach(shop.path, _is_source) == {}
