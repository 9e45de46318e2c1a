import pytest

from pytest_piv.baselines.settings import (
    BenchSettings,
    parse_bench_table,
    parse_marker_threshold,
)
from pytest_piv.errors import ConfigError


def test_an_empty_table_gives_a_ten_percent_threshold_and_the_fingerprint() -> None:
    assert parse_bench_table({}, "pyproject.toml") == BenchSettings()
    assert BenchSettings().threshold == pytest.approx(0.10)
    assert BenchSettings().machine is None


def test_every_key_is_parsed_from_toml_values() -> None:
    settings = parse_bench_table(
        {
            "mode": "warn",
            "threshold": "12.5%",
            "machine": "ci-large",
            "alpha": 0.01,
            "remeasure": False,
            "pairs": 7,
            "thresholds": {"*slow*": "25%"},
        },
        "pyproject.toml",
    )
    assert settings == BenchSettings(
        mode="warn",
        threshold=0.125,
        machine="ci-large",
        alpha=0.01,
        remeasure=False,
        pairs=7,
        thresholds=(("*slow*", 0.25),),
    )


def test_string_values_from_the_environment_are_accepted() -> None:
    settings = parse_bench_table(
        {"threshold": "20%", "alpha": "0.1", "remeasure": "no", "pairs": "3"}, "env"
    )
    assert settings.threshold == pytest.approx(0.2)
    assert settings.alpha == pytest.approx(0.1)
    assert (settings.remeasure, settings.pairs) == (False, 3)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"threshold": 10},
            "threshold = 10 (pyproject.toml): expected a percentage",
        ),
        ({"threshold": "ten%"}, "[tool.piv.bench] threshold = 'ten%'"),
        ({"machine": ""}, "[tool.piv.bench] machine = ''"),
        ({"alpha": 0.9}, "[tool.piv.bench] alpha = 0.9"),
        ({"pairs": 1}, "[tool.piv.bench] pairs = 1"),
        ({"remeasure": "maybe"}, "expected true or false"),
        ({"mode": "strict"}, 'expected one of "enforce", "warn", "off"'),
        ({"thresholds": {"x": "5"}}, "[tool.piv.bench.thresholds] x = '5'"),
        ({"thresholds": ["x"]}, "[tool.piv.bench] thresholds = ['x']"),
        ({"treshold": "10%"}, "expected one of the keys alpha, machine, mode, pairs, remeasure"),
    ],
)
def test_a_bad_value_names_the_key_the_value_and_the_expected_form(
    table: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_bench_table(table, "pyproject.toml")
    assert message in str(info.value)


def test_a_marker_threshold_wins_over_a_pattern_which_wins_over_the_default() -> None:
    settings = BenchSettings(thresholds=(("*::test_slow*", 0.3), ("*", 0.2)))
    assert settings.threshold_for("t.py::test_slow_io", marker=0.5) == pytest.approx(0.5)
    assert settings.threshold_for("t.py::test_slow_io") == pytest.approx(0.3)
    assert settings.threshold_for("t.py::test_fast") == pytest.approx(0.2)
    assert BenchSettings().threshold_for("t.py::test_fast") == pytest.approx(0.1)


def test_a_marker_threshold_must_be_a_percentage() -> None:
    assert parse_marker_threshold("20%", "t.py::test_x") == pytest.approx(0.2)
    with pytest.raises(ConfigError, match=r"piv_bench\(threshold=...\) = 0.2 \(t.py::test_x\)"):
        parse_marker_threshold(0.2, "t.py::test_x")
