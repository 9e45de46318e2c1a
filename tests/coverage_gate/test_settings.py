from __future__ import annotations

from fractions import Fraction

import pytest

from pytest_piv.coverage.settings import CoverageSettings, Rule, parse_coverage_table
from pytest_piv.errors import ConfigError


def test_the_default_settings_are_valid_and_disabled() -> None:
    settings = CoverageSettings()
    assert not settings.enabled
    assert settings.default_rule.is_default
    assert parse_coverage_table({}, "pyproject.toml") == settings


def test_a_full_table_parses_every_key() -> None:
    settings = parse_coverage_table(
        {
            "fail_under": 80,
            "branch_fail_under": 70.5,
            "per": "file",
            "branch": True,
            "show_files": 3,
            "show_ranges": 4,
            "subset": "targeted",
            "ratchet": True,
            "baseline": "cov.json",
            "ratchet_tolerance": 0.5,
            "ratchet_missed_tolerance": 2,
            "diff_base": "origin/main",
            "diff_fail_under": 90,
            "json": False,
            "markdown": "cov.md",
            "core": "ctrace",
            "paths": {"src/": ["/ci/*/src/"]},
            "rule": [
                {"path": "src/shop/api/**", "min": 90, "per": "file"},
                {"module": "shop.db", "min": 85.25, "branch_min": 60, "name": "db"},
            ],
        },
        "pyproject.toml",
    )
    assert settings.enabled
    assert settings.fail_under == 80
    assert settings.branch_fail_under == Fraction(141, 2)
    assert settings.per == "file"
    assert settings.measure_branches
    assert (settings.show_files, settings.show_ranges) == (3, 4)
    assert settings.subset == "targeted"
    assert settings.ratchet
    assert settings.baseline == "cov.json"
    assert settings.ratchet_tolerance == Fraction(1, 2)
    assert settings.ratchet_missed_tolerance == 2
    assert settings.diff_base == "origin/main"
    assert settings.diff_fail_under == 90
    assert settings.json_report is None
    assert settings.markdown_report == "cov.md"
    assert settings.core == "ctrace"
    assert settings.paths == (("src/", ("/ci/*/src/",)),)
    assert settings.rules == (
        Rule(name="src/shop/api/**", path="src/shop/api/**", min=Fraction(90), per="file"),
        Rule(
            name="db",
            module="shop.db",
            min=Fraction(341, 4),
            branch_min=Fraction(60),
        ),
    )


def test_a_decimal_minimum_is_kept_exactly_as_written() -> None:
    settings = parse_coverage_table({"fail_under": 79.995}, "pyproject.toml")
    assert settings.fail_under == Fraction("79.995")


def test_a_branch_minimum_turns_branch_measurement_on() -> None:
    settings = parse_coverage_table(
        {"rule": [{"path": "src/**", "branch_min": 50}]}, "pyproject.toml"
    )
    assert settings.measure_branches
    assert not parse_coverage_table({"fail_under": 1}, "x").measure_branches


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"fail_under": 180},
            "[tool.piv.coverage] fail_under = 180 (pyproject.toml): "
            "expected a number from 0 to 100",
        ),
        ({"fail_under": -1}, "fail_under = -1"),
        ({"fail_under": True}, "fail_under = True"),
        ({"fail_under": "80"}, "fail_under = '80'"),
        ({"fail_undr": 80}, "[tool.piv.coverage] fail_undr = 80 (pyproject.toml): expected one"),
        ({"per": "module"}, 'per = \'module\' (pyproject.toml): expected one of "group", "file"'),
        ({"branch": "yes"}, "branch = 'yes' (pyproject.toml): expected true or false"),
        ({"show_files": -2}, "show_files = -2"),
        ({"subset": "all"}, "subset = 'all'"),
        ({"core": "fast"}, "core = 'fast'"),
        ({"baseline": ""}, "baseline = ''"),
        ({"json": 3}, "json = 3"),
        ({"paths": {"src/": "x"}}, "paths.src/ = 'x'"),
        ({"paths": ["x"]}, "paths = ['x']"),
        ({"rule": {"path": "x"}}, "[tool.piv.coverage] rule = {'path': 'x'}"),
        (
            {"rule": [{"path": "src/**", "min": 101}]},
            "[[tool.piv.coverage.rule]] #1 min = 101 (pyproject.toml): "
            "expected a number from 0 to 100",
        ),
        ({"rule": [{"path": "src/**", "mni": 90}]}, "[[tool.piv.coverage.rule]] #1 mni = 90"),
        ({"rule": [{"min": 90}]}, 'expected exactly one of path = "glob"'),
        ({"rule": [{"path": "a/**", "module": "a", "min": 1}]}, "expected exactly one of path"),
        ({"rule": [{"path": "src/**"}]}, '#1 ("src/**") min = None'),
        ({"rule": [{"path": "/abs/**", "min": 1}]}, "expected a glob relative to the project"),
        ({"rule": [{"path": "../up/**", "min": 1}]}, "path = '../up/**'"),
        ({"rule": [{"module": "shop-api", "min": 1}]}, "module = 'shop-api'"),
        ({"rule": [{"module": "a", "min": 1, "per": "dir"}]}, "#1 per = 'dir'"),
        (
            {"rule": [{"path": "src/**", "min": 1}, {"path": "src/**", "min": 2}]},
            "[[tool.piv.coverage.rule]] #2 path = 'src/**' (pyproject.toml): "
            "expected a pattern no other rule uses (rule #1 has it too)",
        ),
        (
            {
                "rule": [
                    {"path": "a/**", "min": 1, "name": "x"},
                    {"path": "b/**", "min": 1, "name": "x"},
                ]
            },
            "name = 'x'",
        ),
        (
            {"branch": False, "rule": [{"path": "src/**", "branch_min": 50}]},
            'rule "src/**" branch_min = 50.0 (pyproject.toml): expected no branch minimum '
            "while branch = false",
        ),
        ({"branch": False, "branch_fail_under": 50}, "branch_fail_under = 50.0"),
    ],
)
def test_a_bad_table_is_a_config_error_naming_the_key(
    table: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_coverage_table(table, "pyproject.toml")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_parser_chooses_between_the_c_token_parser_and_coverage_pys_own() -> None:
    assert parse_coverage_table({}, "pyproject.toml").parser == "c-tokens"
    assert parse_coverage_table({"parser": "coverage.py"}, "pyproject.toml").parser == (
        "coverage.py"
    )
    with pytest.raises(ConfigError, match=r"parser = 'fast'.*\"c-tokens\", \"coverage.py\""):
        parse_coverage_table({"parser": "fast"}, "pyproject.toml")
