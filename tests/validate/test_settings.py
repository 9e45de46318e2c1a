"""[tool.piv.validate] and [tool.piv.gates]: defaults, overrides and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_piv.config import load_config
from pytest_piv.errors import ConfigError
from pytest_piv.validate.settings import BUILTIN_PRESETS, GateSettings, parse_validate


def test_defaults_are_the_standard_preset_and_the_roadmap_limits() -> None:
    settings = parse_validate({}, {}, "pyproject.toml")
    assert settings.preset == "standard"
    assert settings.presets["minimal"] == ("ruff-check", "ruff-format")
    assert settings.gates == GateSettings(50, 500, 10, True, 5)


def test_a_preset_can_be_overridden_and_a_new_one_can_extend_another() -> None:
    settings = parse_validate(
        {
            "preset": "strict",
            "presets": {
                "minimal": ["ruff-check"],
                "strict": {"extends": "standard", "add": ["bandit"], "remove": ["pytest"]},
            },
            "steps": {"bandit": {"command": ["bandit", "{files}"], "budget": 30}},
            "budgets": {"mypy": 20},
        },
        {"complexity": 12, "import_cycles": False, "file_length": False},
        "pyproject.toml",
    )
    assert settings.presets["minimal"] == ("ruff-check",)
    assert settings.presets["strict"] == ("ruff-check", "ruff-format", "mypy", "gates", "bandit")
    assert settings.presets["standard"] == BUILTIN_PRESETS["standard"]
    assert settings.budget_of("bandit") == 30
    assert settings.budget_of("mypy") == 20
    assert settings.budget_of("gates") == 300
    assert settings.gates == GateSettings(50, None, 12, False, 5)


@pytest.mark.parametrize(
    ("validate", "gates", "message"),
    [
        ({"preset": "huge"}, {}, "[tool.piv.validate] preset = 'huge' (pyproject.toml): expected"
         " one of minimal, standard, comprehensive, full"),
        ({"presets": {"mine": ["ruff", "mypy"]}}, {}, "[tool.piv.validate] presets.mine = 'ruff'"),
        ({"budget": 0}, {}, "[tool.piv.validate] budget = 0 (pyproject.toml): expected a positive"),
        ({"jobs": "2"}, {}, "[tool.piv.validate] jobs = '2'"),
        ({"interface_rule": 1}, {}, "[tool.piv.validate] interface_rule = 1 (pyproject.toml):"
         " expected true or false"),
        ({"colour": 1}, {}, "[tool.piv.validate] colour = 1 (pyproject.toml): expected one of"),
        ({"steps": {"mypy": {"command": ["x"]}}}, {}, "[tool.piv.validate.steps.mypy]"),
        ({"steps": {"lint": {"command": "x"}}}, {}, "[tool.piv.validate.steps.lint] command"),
        ({}, {"complexity": 0}, "[tool.piv.gates] complexity = 0 (pyproject.toml): expected a"
         " positive whole number, or false to switch it off"),
        ({}, {"import_cycles": 1}, "[tool.piv.gates] import_cycles = 1"),
        ({}, {"max_len": 3}, "[tool.piv.gates] max_len = 3"),
        ({}, {"baseline": 3}, "[tool.piv.gates] baseline = 3 (pyproject.toml): expected a file"
         ' path relative to the root, e.g. "piv-gates-baseline.json", or false'),
        ({}, {"baseline": " "}, "[tool.piv.gates] baseline = ' '"),
    ],
)  # fmt: skip
def test_a_bad_value_is_one_line_naming_the_key(
    validate: dict[str, object], gates: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_validate(validate, gates, "pyproject.toml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_the_tables_are_read_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.piv.validate]\npreset = "minimal"\n[tool.piv.gates]\nfunction_length = 30\n',
        encoding="utf-8",
    )
    piv = load_config(tmp_path)
    assert piv.validate.preset == "minimal"
    assert piv.validate.gates.function_length == 30


def test_config_show_lists_the_validate_keys_and_where_they_came_from(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.piv.validate]\njobs = 2\n[tool.piv.gates]\ncomplexity = 8\n", encoding="utf-8"
    )
    piv = load_config(tmp_path)
    values = piv.values()
    assert (values["validate.jobs"], piv.origins["validate.jobs"]) == (2, "pyproject.toml")
    assert values["validate.preset"] == "standard"
    assert piv.origins.get("validate.preset", "default") == "default"
    gates = values["gates"]
    assert isinstance(gates, dict)
    assert (gates["complexity"], piv.origins["gates"]) == (8, "pyproject.toml")
