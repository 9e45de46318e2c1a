"""`piv verify` on synthetic histories in real git repositories, replayed by real pytest."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_piv.cli import main
from tests.history.repo import Repo, phases, problems, verify

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "proj")


def test_a_clean_test_feat_refactor_history_passes(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.add_failing_test()
    red = repo.commit("test: discount")
    repo.add_code()
    green = repo.commit("feat: discount")
    repo.append("src/shop/cart.py", "\n\nRATE = 1\n")
    repo.commit("refactor: a constant")
    repo.write("README.md", "# shop\n")
    repo.commit("docs: readme")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 0, problems(report)
    assert phases(report) == ["RED", "GREEN", "REFACTOR", "UNCHANGED"]
    [story] = [t for t in report["tests"] if "test_discount" in t["nodeid"]]
    assert (story["red_at"], story["green_at"], story["red_kind"]) == (red, green, "missing-symbol")


def test_tests_and_code_in_one_commit_pass_through_the_revert_check(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.add_failing_test()
    repo.add_code()
    sha = repo.commit("feat: discount")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 0, problems(report)
    [row] = report["commits"]
    assert row["phase"] == "GREEN"
    assert row["revert_check"].startswith("RED")
    [story] = [t for t in report["tests"] if "test_discount" in t["nodeid"]]
    assert (story["red_at"], story["proof"]) == (sha, "revert check")


def test_a_new_test_that_passes_without_its_code_is_flagged_by_the_revert_check(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.append("tests/test_cart.py", "\n\ndef test_empty():\n    assert total([]) == 0\n")
    repo.append("src/shop/cart.py", "\n\nRATE = 1\n")
    repo.commit("feat: empty carts")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 1
    [message] = problems(report)
    assert "test_empty passes without the source change" in message
    assert "proves nothing" in message


def test_a_red_test_edited_into_passing_is_flagged(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.append("tests/test_cart.py", "\n\ndef test_three():\n    assert total([1, 1]) == 3\n")
    repo.commit("test: three")
    test_file = repo.root / "tests/test_cart.py"
    test_file.write_text(
        test_file.read_text(encoding="utf-8").replace("total([1, 1]) == 3", "total([1, 2]) == 3"),
        encoding="utf-8",
    )
    repo.commit("test: fix the expectation")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 1
    assert any("test_three" in m for m in problems(report)), problems(report)


def test_a_refactor_commit_that_changes_an_outcome_is_flagged_as_a_regression(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/shop/cart.py", "def total(prices):\n    return sum(prices) + 1\n")
    repo.commit("refactor: simplify")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 1
    assert phases(report) == ["REGRESSION"]
    assert any("test_total" in m for m in problems(report)), problems(report)


def test_a_feat_commit_that_only_adds_a_failing_test_is_flagged(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.add_failing_test()
    repo.commit("feat: discount")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 1
    assert problems(report) == ["a feat: commit showed RED, where test: fits (hint: type it test:)"]


def test_a_rerun_is_served_from_the_cache_and_an_amended_last_commit_alone_runs_again(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.add_failing_test()
    repo.commit("test: discount")
    repo.add_code()
    repo.commit("feat: discount")
    first = verify(repo, capsys, "main..HEAD")[1]
    assert (first["runs"], first["cached"]) == (3, 0)
    again = verify(repo, capsys, "main..HEAD")[1]
    assert (again["runs"], again["cached"]) == (0, 3)
    repo.append("src/shop/cart.py", "\n\nRATE = 1\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "--amend", "--no-edit")
    amended = verify(repo, capsys, "main..HEAD")
    assert amended[0] == 0, problems(amended[1])
    assert (amended[1]["runs"], amended[1]["cached"]) == (1, 2)


def test_a_flaky_test_is_reported_as_flaky_never_as_proof(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.append(
        "tests/test_cart.py",
        "\n\ndef test_flaky(tmp_path_factory):\n"
        "    import pathlib\n"
        "    marker = pathlib.Path(__file__).parent / '.ran'\n"
        "    first = not marker.exists()\n"
        "    marker.write_text('x')\n"
        "    assert not first\n",
    )
    repo.commit("test: flaky")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 1
    assert any("test_flaky is flaky" in m for m in problems(report)), problems(report)
    [story] = [t for t in report["tests"] if "test_flaky" in t["nodeid"]]
    assert story["proof"] == "flaky"


def test_the_first_parent_of_a_merge_is_followed_and_the_merge_judged_as_one_commit(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.add_failing_test()
    repo.commit("test: discount")
    repo.git("checkout", "-q", "-b", "side")
    repo.add_code()
    repo.commit("feat: discount")
    repo.git("checkout", "-q", "feature")
    repo.git("merge", "-q", "--no-ff", "-m", "feat: merge side", "side")
    code, report, _ = verify(repo, capsys, "main..feature")
    assert code == 0, problems(report)
    assert phases(report) == ["RED", "GREEN"]


def test_a_commit_where_pytest_cannot_run_is_an_error_row(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("tests/conftest.py", "raise RuntimeError('a conftest that cannot load')\n")
    repo.commit("test: break the conftest")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 1
    [row] = report["commits"]
    assert row["verdict"] == "error"
    assert "pytest could not run it" in row["problems"][0]


def test_warn_mode_reports_a_violation_but_exits_zero(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.append("pyproject.toml", '\n[tool.piv.rgr]\nmode = "warn"\n')
    repo.add_failing_test()
    repo.commit("feat: discount")
    code, report, _ = verify(repo, capsys, "main..HEAD")
    assert code == 0
    assert problems(report)


def test_markdown_and_terminal_reports_show_each_commit_and_escape_control_characters(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.add_failing_test()
    repo.commit("test: discount \x1b[2J")
    assert main(["--root", str(repo.root), "verify", "--markdown", "main..HEAD"]) == 0
    markdown = capsys.readouterr().out
    assert "| RED |" in markdown
    assert "\x1b" not in markdown
    assert "\\x1b[2J" in markdown
    assert main(["--root", str(repo.root), "verify", "main..HEAD"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "piv verify: main..HEAD — OK" in out


def test_a_range_without_commits_verifies_nothing_and_passes(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = verify(repo, capsys, "HEAD..HEAD")
    assert code == 0
    assert report["commits"] == []


@pytest.mark.parametrize("spec", ["nosuch..HEAD", "main...HEAD", "main..nosuch"])
def test_a_bad_range_is_a_usage_error_naming_it(
    repo: Repo, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    code, _, err = verify(repo, capsys, spec)
    assert code == 2
    assert f"range {spec!r}" in err
    assert "Traceback" not in err


def test_a_shallow_clone_missing_the_base_says_how_to_fetch_more(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.add_failing_test()
    base = repo.commit("test: discount")
    repo.add_code()
    repo.commit("feat: discount")
    clone = tmp_path / "shallow"
    Repo.git(
        repo,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        f"file://{repo.root}",
        str(clone),
    )
    code = main(["--root", str(clone), "verify", f"{base}..HEAD"])
    err = capsys.readouterr().err
    assert code == 2
    assert "shallow clone" in err
    assert "--deepen" in err


def test_a_range_with_no_tests_says_that_nothing_proves_rgr(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("rm", "-q", "-r", "tests")
    repo.commit("chore: drop the tests")
    repo.append("src/shop/cart.py", "\n\nRATE = 1\n")
    repo.commit("refactor: a constant")
    _, report, _ = verify(repo, capsys, "HEAD~1..HEAD")
    assert report["notes"] == [
        "no test was collected at any commit of the range: nothing proves RGR"
    ]
