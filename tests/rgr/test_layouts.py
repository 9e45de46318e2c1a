"""Acceptance: the code under test is what `source` says, wherever it lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_piv.config import load_config
from tests.conftest import Project, git

GREEN_LINE = "piv: GREEN — cycle complete: 1 test turned green by {}"
NEW_TEST = """

def test_doubled():
    from {module} import doubled

    assert doubled(2) == 4
"""
DOUBLED = "\n\ndef doubled(x):\n    return 2 * x\n"
HALVED = "def halved(x):\n    return x / 2\n"
OLD_TEST = "from {module} import halved\n\n\ndef test_halved():\n    assert halved(4) == 2\n"


def make(pytester: pytest.Pytester, pyproject: str, files: dict[str, str]) -> Project:
    project = Project(pytester, ())
    project.write("pyproject.toml", pyproject)
    project.write(".gitignore", ".piv/\n__pycache__/\n")
    for path, text in files.items():
        project.write(path, text)
    git(project.path, "init", "-q")
    git(project.path, "config", "user.email", "dev@example.com")
    git(project.path, "config", "user.name", "dev")
    return project


def red_then_green(project: Project, module: str, source_file: Path, shown: str) -> None:
    """Adopt, add a test on a symbol that does not exist yet, then write the symbol."""
    project.commit("initial")
    assert project.run().ret == 0
    project.append("tests/test_layout.py", NEW_TEST.format(module=module))
    red = project.run()
    assert red.ret == 1
    red.stdout.fnmatch_lines(["piv: RED — 1 test fails as expected*"])
    assert project.last_run()["tests/test_layout.py::test_doubled"] == ("red", "missing-symbol")
    source_file.write_text(source_file.read_text() + DOUBLED)
    green = project.run()
    assert green.ret == 0, green.stdout.str()
    green.stdout.fnmatch_lines([GREEN_LINE.format(shown)])


MONOREPO = """\
[tool.pytest.ini_options]
pythonpath = ["packages/alpha/src", "packages/beta/src"]
testpaths = ["tests"]

[tool.piv]
source = ["packages/*/src/**/*.py"]
"""


@pytest.mark.parametrize("extra", [(), ("-n", "2")], ids=["no-xdist", "xdist"])
def test_a_monorepo_source_glob_is_the_code_under_test(
    pytester: pytest.Pytester, extra: tuple[str, ...]
) -> None:
    project = make(
        pytester,
        MONOREPO,
        {
            "packages/alpha/src/alpha/__init__.py": "",
            "packages/alpha/src/alpha/core.py": HALVED,
            "tests/test_layout.py": OLD_TEST.format(module="alpha.core"),
        },
    )
    project.extra = extra
    red_then_green(
        project,
        "alpha.core",
        project.path / "packages/alpha/src/alpha/core.py",
        "packages/alpha/src/alpha/core.py",
    )


def test_a_namespace_package_in_a_monorepo_is_the_code_under_test(
    pytester: pytest.Pytester,
) -> None:
    project = make(
        pytester,
        MONOREPO,
        {
            "packages/beta/src/beta/core.py": HALVED,  # no __init__.py: a namespace package
            "tests/test_layout.py": OLD_TEST.format(module="beta.core"),
        },
    )
    red_then_green(
        project,
        "beta.core",
        project.path / "packages/beta/src/beta/core.py",
        "packages/beta/src/beta/core.py",
    )


SRC_LAYOUT = """\
[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
"""


def test_a_symlinked_source_package_is_the_code_under_test(pytester: pytest.Pytester) -> None:
    outside = pytester.path.parent / f"{pytester.path.name}-outside" / "shop"
    outside.mkdir(parents=True)
    (outside / "__init__.py").write_text("")
    (outside / "cart.py").write_text(HALVED)
    project = make(
        pytester, SRC_LAYOUT, {"tests/test_layout.py": OLD_TEST.format(module="shop.cart")}
    )
    (project.path / "src").mkdir()
    (project.path / "src" / "shop").symlink_to(outside, target_is_directory=True)
    red_then_green(project, "shop.cart", outside / "cart.py", "src/shop/cart.py")


def test_a_git_submodule_is_the_code_under_test(pytester: pytest.Pytester) -> None:
    library = pytester.path.parent / f"{pytester.path.name}-library"
    (library / "src" / "shop").mkdir(parents=True)
    (library / "src" / "shop" / "__init__.py").write_text("")
    (library / "src" / "shop" / "cart.py").write_text(HALVED)
    git(library, "init", "-q")
    git(library, "config", "user.email", "dev@example.com")
    git(library, "config", "user.name", "dev")
    git(library, "add", "-A")
    git(library, "commit", "-qm", "library")
    project = make(
        pytester,
        SRC_LAYOUT.replace('"src"', '"vendor/shop/src"')
        + '\n[tool.piv]\nsource = ["vendor/shop/src/**/*.py"]\n',
        {"tests/test_layout.py": OLD_TEST.format(module="shop.cart")},
    )
    git(
        project.path,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        str(library),
        "vendor/shop",
    )
    red_then_green(
        project,
        "shop.cart",
        project.path / "vendor/shop/src/shop/cart.py",
        "vendor/shop/src/shop/cart.py",
    )


def test_a_test_file_moved_with_git_mv_keeps_its_history(plain_project: Project) -> None:
    project = plain_project
    assert project.run().ret == 0
    (project.path / "tests" / "unit").mkdir()
    git(project.path, "mv", "tests/test_cart.py", "tests/unit/test_cart.py")
    moved = project.run()
    assert moved.ret == 0, moved.stdout.str()
    moved.stdout.fnmatch_lines(
        ["piv: UNCHANGED — 1 test moved or renamed with its history; no other test or source*"]
    )
    assert "violation" not in moved.stdout.str()
    again = project.run()
    assert again.ret == 0
    again.stdout.fnmatch_lines(["piv: UNCHANGED — no test or source change since the last run"])


def test_without_testpaths_a_tests_package_init_is_a_test_file(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    piv = load_config(tmp_path, pyproject={})
    assert piv.roles.role("tests/__init__.py") == "test"
    assert piv.roles.role("tests/helpers/factories.py") == "test"
    assert piv.roles.role("shop/cart.py") == "source"


def test_a_refactor_in_a_monorepo_package_is_checked_line_by_line(
    pytester: pytest.Pytester,
) -> None:
    project = make(
        pytester,
        MONOREPO,
        {
            "packages/alpha/src/alpha/__init__.py": "",
            "packages/alpha/src/alpha/core.py": HALVED,
            "tests/test_layout.py": OLD_TEST.format(module="alpha.core"),
        },
    )
    project.commit("initial")
    assert project.run("--cov=alpha").ret == 0
    core = project.path / "packages/alpha/src/alpha/core.py"
    core.write_text("def halved(x):\n    half = x / 2\n    return half\n")
    refactor = project.run("--cov=alpha")
    assert refactor.ret == 0
    refactor.stdout.fnmatch_lines(
        ["piv: REFACTOR — 1 source file changed, outcomes unchanged, every changed line executed"]
    )
    core.write_text(core.read_text() + "\n\ndef unused(x):\n    return -x\n")
    added = project.run("--cov=alpha")
    assert added.ret == 1
    added.stdout.fnmatch_lines(
        ["  violation: packages/alpha/src/alpha/core.py: changed line(s) 7 executed by no test*"]
    )
