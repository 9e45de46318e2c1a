from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_piv.checkpoints.features import marked_tests
from tests.checkpoints.conftest import Piv, git

PYTEST = [sys.executable, "-m", "pytest", "--piv", "-q", "-p", "no:cacheprovider",
          "--strict-markers"]  # fmt: skip

CART = """\
import pytest

pytestmark = pytest.mark.piv_feature("cart", "the cart adds up")


def test_total():
    assert 1 + 1 == 2


def test_discount():
    assert 1 + 1 == 3
"""
LOGIN = """\
import pytest


@pytest.mark.piv_feature("login", description="users sign in")
class TestLogin:
    @pytest.mark.parametrize("user", ["a", "b"])
    def test_sign_in(self, user):
        assert user


def test_unmarked():
    assert True
"""
EXPORT = """\
import pytest


@pytest.mark.piv_feature("export")
def test_csv():
    assert True
"""


@pytest.fixture
def features_repo(repo: Path) -> Path:
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (repo / "tests").mkdir()
    (repo / "tests" / "test_cart.py").write_text(CART)
    (repo / "tests" / "test_login.py").write_text(LOGIN)
    subprocess.run(PYTEST, cwd=repo, capture_output=True, check=False)
    (repo / "tests" / "test_export.py").write_text(EXPORT)  # written after the run
    return repo


def test_marks_on_modules_classes_and_functions_name_their_tests() -> None:
    assert marked_tests("t.py", LOGIN) == [
        ("t.py::TestLogin::test_sign_in", "login", "users sign in")
    ]
    assert [t[:2] for t in marked_tests("c.py", CART)] == [
        ("c.py::test_total", "cart"),
        ("c.py::test_discount", "cart"),
    ]


def test_progress_shows_each_features_passing_failing_and_not_run_tests(
    features_repo: Path, piv: Piv
) -> None:
    data = piv.json("progress")
    features = {f["id"]: f for f in data["features"]}
    assert features["cart"]["passing"] == ["tests/test_cart.py::test_total"]
    assert features["cart"]["failing"] == ["tests/test_cart.py::test_discount"]
    assert features["cart"]["status"] == "in progress"
    assert features["login"]["passes"] is True
    assert features["export"]["not_run"] == ["tests/test_export.py::test_csv"]
    assert features["export"]["status"] == "not started"
    code, out, _ = piv("progress", "--markdown")
    assert code == 0
    assert "| `cart` | the cart adds up | 1 | 1 | 0 | in progress |" in out
    code, out, _ = piv("progress")
    assert "Features: 1/3 done" in out


def test_the_features_file_is_written_from_test_results_only(features_repo: Path, piv: Piv) -> None:
    code, _, _ = piv("progress", "--write")
    assert code == 0
    assert json.loads((features_repo / "features.json").read_text()) == [
        {"id": "cart", "description": "the cart adds up", "passes": False},
        {"id": "export", "description": "", "passes": False},
        {"id": "login", "description": "users sign in", "passes": True},
    ]
    (features_repo / "tests" / "test_cart.py").write_text(CART.replace("1 + 1 == 3", "True"))
    subprocess.run(PYTEST, cwd=features_repo, capture_output=True, check=False)
    piv("progress", "--write")
    written = json.loads((features_repo / "features.json").read_text())
    assert [f["passes"] for f in written] == [True, True, True]


def test_the_checkpoint_body_carries_the_feature_progress(features_repo: Path, piv: Piv) -> None:
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 0, err
    body = git(features_repo, "log", "-1", "--format=%b")
    assert "Features: 1/3 done" in body
    assert "  - cart: in progress (1 passing, 1 failing, 0 not run)" in body


def test_status_links_to_the_progress(features_repo: Path, piv: Piv) -> None:
    _, out, _ = piv("status")
    assert out.splitlines()[-1] == "progress by feature: `piv progress`"
    piv("progress", "--write")
    _, out, _ = piv("status")
    assert out.splitlines()[-1] == ("features: 1/3 pass (features.json; details: `piv progress`)")
