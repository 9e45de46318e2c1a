from __future__ import annotations

import pytest

from pytest_piv.coverage.model import FileCoverage
from pytest_piv.coverage.rules import (
    CoverageRuleError,
    Specificity,
    assign,
    check_branch_data,
    specificity,
)
from pytest_piv.coverage.settings import CoverageSettings, parse_coverage_table


def _file(path: str) -> FileCoverage:
    return FileCoverage(path, frozenset({1}), frozenset())


def _settings(*rules: dict[str, object], **table: object) -> CoverageSettings:
    return parse_coverage_table({**table, "rule": list(rules)}, "pyproject.toml")


def _owner(settings: CoverageSettings, path: str, *others: str) -> str:
    files = [_file(path), *(_file(o) for o in others)]
    groups = assign(files, settings, every_rule_must_match=False)
    return next(g.rule.name for g in groups if any(f.path == path for f in g.files))


@pytest.mark.parametrize(
    ("rule", "path", "expected"),
    [
        ({"path": "src/shop/api/**"}, "src/shop/api/v1/x.py", Specificity(False, 3, 0)),
        ({"path": "src/shop/api"}, "src/shop/api/x.py", Specificity(False, 3, 0)),
        ({"path": "src/shop/api/x.py"}, "src/shop/api/x.py", Specificity(True, 4, 0)),
        ({"path": "src/shop/api/v*.py"}, "src/shop/api/v1.py", Specificity(False, 3, 4)),
        ({"path": "src/*/api/**"}, "src/shop/api/x.py", Specificity(False, 1, 3)),
        ({"path": "*_gen.py"}, "src/shop/a_gen.py", Specificity(False, 0, 7)),
        ({"module": "shop.api"}, "src/shop/api/x.py", Specificity(False, 3, 0)),
        ({"module": "shop.api"}, "src/shop/api/__init__.py", Specificity(False, 3, 0)),
        ({"module": "shop.api.x"}, "src/shop/api/x.py", Specificity(True, 4, 0)),
        ({"module": "shop"}, "shop/api/x.py", Specificity(False, 1, 0)),
        ({"path": "src/shop/api/**"}, "src/shop/apis/x.py", None),
        ({"path": "src/shop/api"}, "src/shop/apis.py", None),
        ({"module": "shop.api"}, "src/shop/apis.py", None),
    ],
)
def test_specificity_measures_how_precisely_a_rule_names_a_file(
    rule: dict[str, object], path: str, expected: Specificity | None
) -> None:
    settings = _settings({**rule, "min": 1})
    assert specificity(settings.rules[0], path) == expected


@pytest.mark.parametrize(
    ("rules", "path", "owner"),
    [
        # a rule naming the file itself beats any directory rule
        (
            [
                {"path": "src/shop/api/**"},
                {"path": "src/shop/api/v1/deep/**"},
                {"module": "shop.api.x"},
            ],
            "src/shop/api/x.py",
            "shop.api.x",
        ),
        # the deepest fixed directory wins
        ([{"path": "src/**"}, {"path": "src/shop/**"}], "src/shop/x.py", "src/shop/**"),
        ([{"module": "shop"}, {"path": "src/shop/api/**"}], "src/shop/api/x.py", "src/shop/api/**"),
        ([{"module": "shop.api"}, {"path": "src/shop/**"}], "src/shop/api/x.py", "shop.api"),
        # then more literal characters after it
        (
            [{"path": "src/shop/api/**"}, {"path": "src/shop/api/v*.py"}],
            "src/shop/api/v1.py",
            "src/shop/api/v*.py",
        ),
        # unmatched files go to the default rule
        ([{"path": "src/shop/api/**"}], "src/shop/db.py", "(default)"),
    ],
)
def test_the_most_specific_rule_owns_a_file(
    rules: list[dict[str, object]], path: str, owner: str
) -> None:
    settings = _settings(*({**r, "min": 1} for r in rules), fail_under=1)
    assert _owner(settings, path) == owner


def test_every_measured_file_belongs_to_exactly_one_group() -> None:
    settings = _settings({"path": "src/a/**", "min": 1}, {"module": "b", "min": 1}, fail_under=1)
    files = [_file(p) for p in ("src/a/x.py", "src/b/y.py", "src/c.py", "src/a/z.py")]
    groups = assign(files, settings)
    assert [(g.rule.name, [f.path for f in g.files]) for g in groups] == [
        ("src/a/**", ["src/a/x.py", "src/a/z.py"]),
        ("b", ["src/b/y.py"]),
        ("(default)", ["src/c.py"]),
    ]


def test_two_equally_specific_rules_over_one_file_are_an_error_naming_both() -> None:
    settings = _settings({"path": "src/shop/api/**", "min": 1}, {"module": "shop.api", "min": 2})
    with pytest.raises(
        CoverageRuleError,
        match=r'rule "src/shop/api/\*\*" and rule "shop.api" '
        r"are equally specific for src/shop/api/x.py",
    ):
        assign([_file("src/shop/api/x.py")], settings)


def test_a_rule_that_matches_no_measured_file_is_an_error_naming_it() -> None:
    settings = _settings({"path": "src/shpo/**", "min": 1})
    with pytest.raises(CoverageRuleError, match=r'rule "src/shpo/\*\*" matches no measured file'):
        assign([_file("src/shop/x.py")], settings)


def test_a_rule_shadowed_by_more_specific_rules_is_an_error() -> None:
    settings = _settings({"path": "src/**", "min": 1}, {"path": "src/shop/**", "min": 1})
    with pytest.raises(CoverageRuleError, match=r'rule "src/\*\*" matches measured files but'):
        assign([_file("src/shop/x.py")], settings)


def test_a_subset_run_tolerates_rules_that_match_nothing() -> None:
    settings = _settings({"path": "src/shpo/**", "min": 1})
    groups = assign([_file("src/shop/x.py")], settings, every_rule_must_match=False)
    assert [len(g.files) for g in groups] == [0, 1]


def test_a_branch_minimum_on_line_only_data_is_an_error_naming_the_rule() -> None:
    settings = _settings({"path": "src/**", "branch_min": 50})
    with pytest.raises(CoverageRuleError, match=r'rule "src/\*\*" has a branch minimum but'):
        check_branch_data(settings, has_branches=False)
    check_branch_data(settings, has_branches=True)
