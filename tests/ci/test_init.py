"""`piv init` on projects of different layouts: shows, writes, keeps, and is idempotent."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from pytest_piv.adopt import detect_layout
from pytest_piv.cli import main
from pytest_piv.workflows import CALLER_PATH

PRE_COMMIT_INDENT_0 = """\
# my hooks
repos:
- repo: https://github.com/astral-sh/ruff-pre-commit
  rev: v0.6.0  # keep
  hooks:
  - id: ruff
    args: ['--fix']
"""
PRE_COMMIT_INDENT_4 = """\
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
    -   id: trailing-whitespace
"""


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


@pytest.fixture
def src_project(tmp_path: Path) -> Path:
    root = tmp_path / "src-layout"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "src" / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "tests" / "test_pkg.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(
        "# the project\n[project]\nname = 'pkg'  # the name\n\n"
        "[tool.coverage.report]\nfail_under = 91\n",
        encoding="utf-8",
    )
    (root / ".pre-commit-config.yaml").write_text(PRE_COMMIT_INDENT_0, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


@pytest.fixture
def flat_project(tmp_path: Path) -> Path:
    root = tmp_path / "flat"
    (root / "lib_one").mkdir(parents=True)
    (root / "test").mkdir()
    (root / "docs").mkdir()
    (root / "lib_one" / "__init__.py").write_text("", encoding="utf-8")
    (root / "helpers.py").write_text("", encoding="utf-8")
    (root / "setup.py").write_text("", encoding="utf-8")
    (root / "test" / "__init__.py").write_text("", encoding="utf-8")
    (root / "test" / "test_one.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")
    (root / "setup.cfg").write_text("[tool:pytest]\ntestpaths = test\n", encoding="utf-8")
    (root / ".pre-commit-config.yaml").write_text(PRE_COMMIT_INDENT_4, encoding="utf-8")
    return root


def test_a_src_layout_is_detected_with_its_coverage_floor(src_project: Path) -> None:
    layout = detect_layout(src_project)
    assert layout.source == ("src/**/*.py",)
    assert layout.testpaths == ("tests",)
    assert (layout.coverage_configured, layout.fail_under) == (True, 91.0)


def test_a_flat_layout_lists_its_packages_and_modules_and_the_ini_testpaths(
    flat_project: Path,
) -> None:
    layout = detect_layout(flat_project)
    assert layout.source == ("lib_one/**/*.py", "helpers.py")
    assert layout.testpaths == ("test",)
    assert "test/**/*.py" in layout.tests
    assert not layout.coverage_configured


def test_init_without_yes_shows_the_changes_and_writes_nothing(
    src_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tree(src_project)
    assert main(["--root", str(src_project), "init"]) == 0
    out = capsys.readouterr().out
    assert "+[tool.piv]" in out
    assert "+.piv/" in out
    assert "4 file(s) would change" in out
    assert _tree(src_project) == before


def test_init_yes_keeps_comments_and_formatting_and_a_second_run_changes_nothing(
    src_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(src_project), "init", "--yes"]) == 0
    pyproject = (src_project / "pyproject.toml").read_text(encoding="utf-8")
    assert pyproject.startswith("# the project\n[project]\nname = 'pkg'  # the name\n")
    piv = tomllib.loads(pyproject)["tool"]["piv"]
    assert piv["source"] == ["src/**/*.py"]
    assert piv["coverage"] == {"fail_under": 91.0}
    hooks = (src_project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert hooks.startswith(PRE_COMMIT_INDENT_0)
    assert "- repo: local\n  hooks:\n  - id: piv-validate\n" in hooks
    assert (src_project / ".gitignore").read_text(encoding="utf-8") == ".piv/\n"
    assert (src_project / CALLER_PATH).is_file()
    after_first = _tree(src_project)
    capsys.readouterr()
    assert main(["--root", str(src_project), "init", "--yes"]) == 0
    assert "nothing to change" in capsys.readouterr().out
    assert _tree(src_project) == after_first


def test_init_follows_a_four_space_pre_commit_style(flat_project: Path) -> None:
    assert main(["--root", str(flat_project), "init", "--yes"]) == 0
    hooks = (flat_project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert hooks.startswith(PRE_COMMIT_INDENT_4)
    assert "-   repo: local\n    hooks:\n    -   id: piv-validate\n" in hooks
    text = (flat_project / "pyproject.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["tool"]["piv"]["source"] == ["lib_one/**/*.py", "helpers.py"]


def test_a_project_that_already_has_tool_piv_keeps_it_untouched(
    src_project: Path,
) -> None:
    pyproject = src_project / "pyproject.toml"
    pyproject.write_text('[tool.piv]\nsource = ["src/pkg/*.py"]\n', encoding="utf-8")
    assert main(["--root", str(src_project), "init", "--yes"]) == 0
    assert pyproject.read_text(encoding="utf-8") == '[tool.piv]\nsource = ["src/pkg/*.py"]\n'


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        ("pyproject.toml", "[project\n", "not valid TOML"),
        (".pre-commit-config.yaml", "repos: [\n", "not valid YAML"),
        (".pre-commit-config.yaml", "- just a list\n", "expected a mapping with a `repos` list"),
    ],
)
def test_a_file_init_cannot_read_is_a_usage_error_and_nothing_is_written(
    src_project: Path,
    capsys: pytest.CaptureFixture[str],
    path: str,
    text: str,
    message: str,
) -> None:
    (src_project / path).write_text(text, encoding="utf-8")
    before = _tree(src_project)
    assert main(["--root", str(src_project), "init", "--yes"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "nothing changed" in err
    assert _tree(src_project) == before
