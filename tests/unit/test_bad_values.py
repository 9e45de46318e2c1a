"""Unit tables for bad input: escaping, globs, numbers, paths, PIV_* typos."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from pytest_piv.config import load_config
from pytest_piv.coverage.settings import parse_percent
from pytest_piv.envvars import unknown_env_warnings
from pytest_piv.errors import ConfigError
from pytest_piv.report.text import markdown_code, printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text — ok", "plain text — ok"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("nul\x00 bs\x08 del\x7f", "nul\\x00 bs\\x08 del\\x7f"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
    ],
)
def test_printable_escapes_every_control_character(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert printable(raw).isprintable()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("t.py::a", "`t.py::a`"),
        ("a|b", "`a\\|b`"),
        ("a`b", "``a`b``"),
        ("`x", "`` `x ``"),
        ("a\nb", "`a\\nb`"),
    ],
)
def test_a_markdown_code_span_cannot_break_out_of_its_cell(raw: str, shown: str) -> None:
    assert markdown_code(raw) == shown


@pytest.mark.parametrize(
    ("text", "value"),
    [("80", Fraction(80)), ("79.995", Fraction("79.995")), ("1e1", Fraction(10)), ("0", 0)],
)
def test_a_percentage_in_range_is_exact(text: str, value: Fraction) -> None:
    assert parse_percent(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "1e999999999",
        "1e-999999999",
        "nan",
        "inf",
        "-inf",
        "-1",
        "100.0001",
        "1/" + "9" * 5000,
        "9" * 5000,
        "",
        "80%%",
        "0x10",
    ],
)
def test_an_absurd_percentage_is_refused_at_once(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (the callers name the key)
        parse_percent(text)


@pytest.mark.parametrize("key", ["tests", "source", "exclude"])
def test_an_invalid_glob_is_a_config_error_naming_the_key(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"^\[tool\.piv\] {key} = \['\[z-a\]'\]") as info:
        load_config(tmp_path, pyproject={key: ["[z-a]"]})
    assert "bad character range z-a" in str(info.value)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"db": "../x.db"}, "[tool.piv] db"),
        ({"db": "/etc/piv.db"}, "[tool.piv] db"),
        ({"db": "a/../../x.db"}, "[tool.piv] db"),
        ({"coverage": {"json": "../r.json"}}, "[tool.piv.coverage] json"),
        ({"coverage": {"markdown": "/tmp/r.md"}}, "[tool.piv.coverage] markdown"),
        ({"coverage": {"baseline": "../../b.json"}}, "[tool.piv.coverage] baseline"),
    ],
)
def test_a_project_file_path_leading_out_of_the_project_is_refused(
    tmp_path: Path, table: dict[str, object], key: str
) -> None:
    with pytest.raises(ConfigError, match="a path inside the project") as info:
        load_config(tmp_path, pyproject=table)
    assert str(info.value).startswith(key)


def test_a_path_inside_the_project_is_accepted_even_when_absolute(tmp_path: Path) -> None:
    config = load_config(tmp_path, pyproject={"db": str(tmp_path / "state" / "x.db")})
    assert config.db == tmp_path / "state" / "x.db"


def test_a_symlink_inside_the_project_that_leads_out_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "out").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(ConfigError, match=r"^\[tool\.piv\.coverage\] json"):
        load_config(root, pyproject={"coverage": {"json": "out/r.json"}})


def test_a_flag_path_leading_out_of_the_project_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^db = '\.\./x\.db' \(flag --piv-db\)"):
        load_config(tmp_path, pyproject={}, flags={"piv_db": "../x.db"})


def test_the_environment_may_place_the_store_outside(tmp_path: Path) -> None:
    outside = tmp_path.parent / "scratch.db"
    config = load_config(tmp_path, pyproject={}, env={"PIV_DB": str(outside)})
    assert config.db == outside


@pytest.mark.parametrize(
    ("env", "warnings"),
    [
        (
            {"PIV_RGR_MOD": "warn"},
            ["PIV_RGR_MOD is not a pytest-piv setting (did you mean PIV_RGR_MODE?)"],
        ),
        (
            {"PIV_COV_FAILUNDER": "80"},
            ["PIV_COV_FAILUNDER is not a pytest-piv setting (did you mean PIV_COV_FAIL_UNDER?)"],
        ),
        ({"PIV_ZZZZZZZZZZZZ": "1"}, ["PIV_ZZZZZZZZZZZZ is not a pytest-piv setting"]),
        ({"PIV_RGR_MODE": "warn", "PIVOT": "1", "PATH": "/bin"}, []),
    ],
)
def test_an_unknown_piv_variable_is_named_with_the_closest_key(
    env: dict[str, str], warnings: list[str]
) -> None:
    assert unknown_env_warnings(env) == warnings


def test_a_very_long_bad_value_is_shown_cut_on_one_line() -> None:
    error = ConfigError("coverage.fail_under", "1/" + "9" * 5000, "a number", "env X")
    text = str(error)
    assert len(text) < 300
    assert "… (5004 characters) (env X): expected a number" in text


def test_every_piv_variable_the_package_reads_is_known_so_none_is_taken_for_a_typo() -> None:
    import re

    from pytest_piv.envvars import known_env

    source = Path(__file__).resolve().parents[2] / "src" / "pytest_piv"
    read = {
        name
        for path in source.rglob("*.py")
        for name in re.findall(r'"(PIV_[A-Z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert read - set(known_env()) == set()
