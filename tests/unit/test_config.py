"""The config loader: defaults < pyproject < env < flags, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_piv.config import load_config
from pytest_piv.errors import ConfigError


def test_defaults_fit_a_src_layout_and_pytest_testpaths(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    config = load_config(tmp_path, pyproject={}, testpaths=["tests"])
    assert config.source == ("src/**/*.py",)
    assert "tests/**/*.py" in config.tests
    assert config.db == tmp_path / ".piv" / "piv.db"
    assert (config.rgr.mode, config.rgr.policy) == ("enforce", "standard")
    assert set(config.origins.values()) == {"default"}


def test_a_flat_layout_treats_every_non_test_python_file_as_source(tmp_path: Path) -> None:
    config = load_config(tmp_path, pyproject={})
    assert config.roles.role("shop/cart.py") == "source"
    assert config.roles.role("test_cart.py") == "test"
    assert config.roles.role(".venv/lib/x.py") is None


def test_environment_overrides_pyproject_and_flags_override_both(tmp_path: Path) -> None:
    table = {"db": "a.db", "rgr": {"mode": "warn", "policy": "strict"}}
    env = {"PIV_DB": "b.db", "PIV_RGR_MODE": "off"}
    flags = {"piv_db": "c.db", "piv_rgr_policy": None}
    config = load_config(tmp_path, pyproject=table, env=env, flags=flags)
    assert config.db == tmp_path / "c.db"
    assert config.rgr.mode == "off"
    assert config.rgr.policy == "strict"
    assert config.origins["db"] == "flag --piv-db"
    assert config.origins["rgr.mode"] == "env PIV_RGR_MODE"
    assert config.origins["rgr.policy"] == "pyproject.toml"


def test_globs_from_the_environment_are_comma_separated(tmp_path: Path) -> None:
    config = load_config(tmp_path, pyproject={}, env={"PIV_SOURCE": "lib/**/*.py, app.py"})
    assert config.source == ("lib/**/*.py", "app.py")


@pytest.mark.parametrize(
    ("table", "env", "message"),
    [
        (
            {"rgr": {"mode": "loud"}},
            {},
            "[tool.piv.rgr] mode = 'loud' (pyproject.toml): expected one of \"enforce\", "
            '"warn", "off"',
        ),
        (
            {"rgr": {"polcy": "strict"}},
            {},
            "[tool.piv.rgr] polcy = 'strict' (pyproject.toml): expected one of the keys cache, "
            "coverage, mode, policy",
        ),
        ({"tset": ["x"]}, {}, "[tool.piv] tset = ['x'] (pyproject.toml): expected one of the keys"),
        ({"tests": "x"}, {}, None),
        (
            {"tests": [1]},
            {},
            "[tool.piv] tests = [1] (pyproject.toml): expected a list of path globs",
        ),
        ({"rgr": "strict"}, {}, "[tool.piv] rgr = 'strict' (pyproject.toml): expected a table"),
        ({}, {"PIV_RGR_POLICY": "wild"}, "rgr.policy = 'wild' (env PIV_RGR_POLICY): expected one"),
        ({"db": ""}, {}, "[tool.piv] db = '' (pyproject.toml): expected a file path"),
    ],
)
def test_a_bad_value_is_one_line_naming_key_value_origin_and_form(
    tmp_path: Path, table: dict[str, object], env: dict[str, str], message: str | None
) -> None:
    if message is None:  # a single string is accepted as one glob
        assert load_config(tmp_path, pyproject=table, env=env).tests == ("x",)
        return
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, pyproject=table, env=env)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_an_unreadable_pyproject_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.piv\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml = '<file>' .*expected valid TOML"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("raw", "value"), [(True, True), ("yes", True), ("0", False), (False, False)]
)
def test_rgr_coverage_accepts_booleans_from_toml_and_words_from_the_environment(
    tmp_path: Path, raw: object, value: bool
) -> None:
    if isinstance(raw, bool):
        config = load_config(tmp_path, pyproject={"rgr": {"coverage": raw}})
    else:
        config = load_config(tmp_path, pyproject={}, env={"PIV_RGR_COVERAGE": str(raw)})
    assert config.rgr.coverage is value


def test_rgr_coverage_refuses_anything_else(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"\[tool.piv.rgr\] coverage = 'sometimes' .*true or false"
    ):
        load_config(tmp_path, pyproject={"rgr": {"coverage": "sometimes"}})


def test_rgr_cache_is_on_by_default_and_turned_off_from_toml_or_the_environment(
    tmp_path: Path,
) -> None:
    assert load_config(tmp_path, pyproject={}).rgr.cache is True
    off = load_config(tmp_path, pyproject={"rgr": {"cache": False}})
    assert off.rgr.cache is False
    assert off.values()["rgr.cache"] is False
    assert load_config(tmp_path, pyproject={}, env={"PIV_RGR_CACHE": "0"}).rgr.cache is False
    with pytest.raises(ConfigError, match=r"rgr.cache.*true or false"):
        load_config(tmp_path, pyproject={}, env={"PIV_RGR_CACHE": "sometimes"})


def test_config_show_lists_the_coverage_parser(tmp_path: Path) -> None:
    default = load_config(tmp_path, pyproject={})
    assert default.values()["coverage.parser"] == "c-tokens"
    chosen = load_config(tmp_path, pyproject={"coverage": {"parser": "coverage.py"}})
    assert chosen.values()["coverage.parser"] == "coverage.py"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"rgr": {"cache": "off"}}, "rgr.cache"),
        ({"bench": {"remeasure": "off"}}, "bench.remeasure"),
        ({"profile": {"blocking": "off"}}, "profile.blocking"),
    ],
)
def test_off_turns_a_flag_off_in_every_settings_table(
    tmp_path: Path, table: dict[str, object], key: str
) -> None:
    from pytest_piv.config import load_config

    assert load_config(tmp_path, pyproject=table).values()[key] is False
