from pathlib import Path

import pytest

from pytest_piv.baselines.settings import (
    BenchSettings,
    parse_bench_table,
    parse_marker_threshold,
)
from pytest_piv.config import load_config
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
        ({"inconclusive": "maybe"}, 'expected one of "fail", "pass"'),
        ({"escalation_budget": -1}, "expected a number of seconds from 0"),
        ({"escalation_budget": True}, "expected a number of seconds from 0"),
        ({"thresholds": {"x": "5"}}, "[tool.piv.bench.thresholds] x = '5'"),
        ({"thresholds": ["x"]}, "[tool.piv.bench] thresholds = ['x']"),
        (
            {"treshold": "10%"},
            "expected one of the keys alpha, baseline_processes, escalation_budget, inconclusive",
        ),
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


def test_pyproject_sets_every_bench_key_and_env_and_flags_override_in_order(
    tmp_path: Path,
) -> None:
    pyproject = {
        "bench": {
            "mode": "warn",
            "threshold": "15%",
            "machine": "box",
            "thresholds": {"*io*": "30%"},
            "alpha": 0.01,
            "remeasure": False,
            "pairs": 4,
        }
    }
    piv = load_config(tmp_path, pyproject=pyproject)
    assert piv.bench == BenchSettings(
        mode="warn",
        threshold=0.15,
        machine="box",
        thresholds=(("*io*", 0.3),),
        alpha=0.01,
        remeasure=False,
        pairs=4,
    )
    assert piv.origins["bench.threshold"] == "pyproject.toml"
    env = {"PIV_BENCH_THRESHOLD": "20%", "PIV_BENCH_MACHINE": "ci"}
    piv = load_config(tmp_path, pyproject=pyproject, env=env, flags={"piv_bench_machine": "me"})
    assert piv.bench.threshold == pytest.approx(0.2)
    assert piv.bench.machine == "me"
    assert piv.origins["bench.threshold"] == "env PIV_BENCH_THRESHOLD"
    assert piv.origins["bench.machine"] == "flag --piv-bench-machine"
    assert piv.values()["bench.threshold"] == "20%"


def test_a_bad_bench_value_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"threshold = 'x' \(env PIV_BENCH_THRESHOLD\)"):
        load_config(tmp_path, pyproject={}, env={"PIV_BENCH_THRESHOLD": "x"})
    with pytest.raises(ConfigError, match=r"\[tool.piv\] bench = 3 \(pyproject.toml\)"):
        load_config(tmp_path, pyproject={"bench": 3})


def test_inconclusive_and_the_escalation_budget_come_from_pyproject_env_and_flags(
    tmp_path: Path,
) -> None:
    assert (BenchSettings().inconclusive, BenchSettings().escalation_budget) == ("pass", 60.0)
    pyproject = {"bench": {"inconclusive": "fail", "escalation_budget": 30}}
    piv = load_config(tmp_path, pyproject=pyproject)
    assert (piv.bench.inconclusive, piv.bench.escalation_budget) == ("fail", 30.0)
    assert piv.values()["bench.inconclusive"] == "fail"
    assert piv.values()["bench.escalation_budget"] == 30.0
    env = {"PIV_BENCH_INCONCLUSIVE": "pass", "PIV_BENCH_ESCALATION_BUDGET": "0"}
    piv = load_config(tmp_path, pyproject=pyproject, env=env)
    assert (piv.bench.inconclusive, piv.bench.escalation_budget) == ("pass", 0.0)
    assert piv.origins["bench.inconclusive"] == "env PIV_BENCH_INCONCLUSIVE"
    flags = {"piv_bench_inconclusive": "fail", "piv_bench_escalation_budget": "12.5"}
    piv = load_config(tmp_path, pyproject=pyproject, env=env, flags=flags)
    assert (piv.bench.inconclusive, piv.bench.escalation_budget) == ("fail", 12.5)
    assert piv.origins["bench.escalation_budget"] == "flag --piv-bench-escalation-budget"
