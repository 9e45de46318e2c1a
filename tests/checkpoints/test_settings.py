"""``[tool.piv.checkpoint]``: the defaults ``piv checkpoint`` takes when no flag says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_piv.checkpoints.settings import CheckpointSettings, parse_checkpoint_table
from pytest_piv.config import load_config
from pytest_piv.errors import ConfigError
from tests.checkpoints.conftest import Piv, git, trailers

PRESETS = '[tool.piv.validate.presets]\nquick = ["ruff-check"]\ntests = ["pytest-all"]\n'


def _pyproject(root: Path, checkpoint: str) -> None:
    (root / "pyproject.toml").write_text(f"{PRESETS}\n[tool.piv.checkpoint]\n{checkpoint}")


def test_the_defaults_validate_with_the_validate_preset_tag_and_allow_ten_minutes() -> None:
    assert parse_checkpoint_table({}, "pyproject.toml") == CheckpointSettings()
    assert CheckpointSettings() == CheckpointSettings(None, 600.0, True, True)


def test_every_key_is_read_and_checked() -> None:
    table = {"preset": "quick", "budget": 30, "validate": False, "tag": "off"}
    settings = parse_checkpoint_table(table, "pyproject.toml")
    assert settings == CheckpointSettings("quick", 30.0, False, False)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"budget": 0},
            r"\[tool.piv.checkpoint\] budget = 0 \(pyproject.toml\): expected a number of sec",
        ),
        ({"budget": "soon"}, r"budget = 'soon' .*expected a number of seconds >= 1"),
        ({"preset": 3}, r"preset = 3 .*expected a preset name"),
        ({"validate": "maybe"}, r"validate = 'maybe' .*expected true or false"),
        ({"wip": True}, r"wip = True .*expected one of the keys budget, preset, tag, validate"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_key_and_the_expected_form(
    table: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_checkpoint_table(table, "pyproject.toml")


def test_the_table_is_part_of_the_one_frozen_config(tmp_path: Path) -> None:
    _pyproject(tmp_path, 'preset = "quick"\nbudget = 45\n')
    config = load_config(tmp_path)
    assert config.checkpoint == CheckpointSettings("quick", 45.0, True, True)
    assert config.origins["checkpoint.preset"] == "pyproject.toml"


def test_an_unknown_table_names_every_table_piv_reads(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.piv.checkpoints]\npreset = 'x'\n")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    for table in ("bench", "checkpoint", "coverage", "gates", "profile", "rgr", "validate"):
        assert table in str(raised.value)


def test_the_configured_preset_and_tag_apply_without_flags(repo: Path, piv: Piv) -> None:
    _pyproject(repo, 'preset = "quick"\ntag = false\n')
    code, _, err = piv("checkpoint", "-m", "configured")
    assert code == 0, err
    assert trailers(repo, "HEAD")["Piv-Validation"] == "ruff-check=skip"  # no .py changed
    assert git(repo, "tag", "-l", "piv/cp/*") == ""


def test_a_flag_overrides_the_configured_preset(repo: Path, piv: Piv) -> None:
    _pyproject(repo, 'preset = "tests"\n')
    code, _, err = piv("checkpoint", "-m", "flagged", "--preset", "quick")
    assert code == 0, err
    assert trailers(repo, "HEAD")["Piv-Validation"] == "ruff-check=skip"  # no .py changed


def test_validate_false_skips_validation_but_still_scans_for_secrets(repo: Path, piv: Piv) -> None:
    _pyproject(repo, "validate = false\n")
    code, _, err = piv("checkpoint", "-m", "unvalidated")
    assert code == 0, err
    assert trailers(repo, "HEAD")["Piv-Validation"] == "skipped"


def test_a_bad_table_is_a_usage_error_and_nothing_is_snapshot(repo: Path, piv: Piv) -> None:
    _pyproject(repo, "budget = -1\n")
    code, _, err = piv("checkpoint", "-m", "bad")
    assert code == 2
    assert err.strip().splitlines()[-1].startswith("piv: error: [tool.piv.checkpoint] budget = -1")
    assert "Traceback" not in err
