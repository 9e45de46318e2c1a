"""``[tool.piv.coverage]``: the coverage gate's settings, parsed and validated once.

Every minimum is kept as an exact :class:`~fractions.Fraction` of the decimal the user
wrote (``79.995`` is ``15999/200``, not the nearest binary float), so a verdict never
depends on float rounding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal, NamedTuple, cast

from pytest_piv.errors import ConfigError
from pytest_piv.paths import glob_problem
from pytest_piv.vcs import ref_problem

Per = Literal["group", "file"]
Subset = Literal["report", "targeted"]
Core = Literal["auto", "sysmon", "ctrace", "pytrace"]
Parser = Literal["c-tokens", "coverage.py"]

TABLE = "[tool.piv.coverage]"
RULE_TABLE = "[[tool.piv.coverage.rule]]"
DEFAULT_RULE_NAME = "(default)"
DEFAULT_BASELINE = "coverage-baseline.json"
DEFAULT_JSON_REPORT = ".piv/coverage.json"

PERCENT = "a number from 0 to 100"
PER_CHOICES = ("group", "file")
SUBSET_CHOICES = ("report", "targeted")
CORE_CHOICES = ("auto", "sysmon", "ctrace", "pytrace")
PARSER_CHOICES = ("c-tokens", "coverage.py")


class Rule(NamedTuple):
    """One minimum for a set of files, named by a path glob or a dotted module prefix."""

    name: str
    path: str | None = None
    module: str | None = None
    min: Fraction | None = None
    branch_min: Fraction | None = None
    per: Per = "group"

    @property
    def is_default(self) -> bool:
        return self.path is None and self.module is None

    @property
    def label(self) -> str:
        """How a message names the rule: ``rule "src/shop/api/**"``."""
        return "the default rule (fail_under)" if self.is_default else f'rule "{self.name}"'


class CoverageSettings(NamedTuple):
    """Everything the coverage gate was told; the default is a valid, disabled gate."""

    fail_under: Fraction | None = None
    branch_fail_under: Fraction | None = None
    per: Per = "group"
    branch: bool | None = None
    rules: tuple[Rule, ...] = ()
    show_files: int = 5
    show_ranges: int = 10
    subset: Subset = "report"
    ratchet: bool = False
    baseline: str = DEFAULT_BASELINE
    ratchet_tolerance: Fraction = Fraction(0)
    ratchet_missed_tolerance: int = 0
    diff_base: str | None = None
    diff_fail_under: Fraction | None = None
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()
    json_report: str | None = DEFAULT_JSON_REPORT
    markdown_report: str | None = None
    core: Core = "auto"
    parser: Parser = "c-tokens"

    @property
    def enabled(self) -> bool:
        """True when any coverage gate is configured."""
        return bool(
            self.fail_under is not None
            or self.branch_fail_under is not None
            or self.rules
            or self.ratchet
            or self.diff_fail_under is not None
        )

    @property
    def measure_branches(self) -> bool:
        """Branches are measured when asked, or when any rule has a branch minimum."""
        if self.branch is not None:
            return self.branch
        return self.default_rule.branch_min is not None or any(
            r.branch_min is not None for r in self.rules
        )

    @property
    def default_rule(self) -> Rule:
        """The rule for every measured file that no other rule matches."""
        return Rule(
            name=DEFAULT_RULE_NAME,
            min=self.fail_under,
            branch_min=self.branch_fail_under,
            per=self.per,
        )


#: a percentage is written with at most this many characters and decimal places, so that
#: ``1e999999999`` or ``1/999…9`` is refused at once instead of being expanded exactly
MAX_PERCENT_TEXT = 40
MAX_PERCENT_PLACES = 30
_RATIO = re.compile(r"^\d{1,20}/\d{1,20}$")


def parse_percent(value: object) -> Fraction:
    """An exact percentage from a TOML number or a string; ``ValueError`` when it is not one
    (not a finite number from 0 to 100, or more than :data:`MAX_PERCENT_PLACES` decimals)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, float | str):
        text = repr(value) if isinstance(value, float) else value.strip().removesuffix("%")
        text = text.strip()
        if len(text) > MAX_PERCENT_TEXT:
            raise ValueError(value)
        if _RATIO.match(text):
            numerator, denominator = text.split("/")
            result = Fraction(int(numerator), int(denominator))
        else:
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValueError(value) from None
            exponent = number.as_tuple().exponent
            if not number.is_finite() or not isinstance(exponent, int):
                raise ValueError(value)
            if not 0 <= number <= 100 or exponent < -MAX_PERCENT_PLACES:
                raise ValueError(value)
            result = Fraction(number)
    else:
        raise ValueError(value)
    if not 0 <= result <= 100:
        raise ValueError(value)
    return result


def parse_ref(value: object) -> str:
    """A git ref safe to hand to git; ``ValueError`` saying why not."""
    if not isinstance(value, str):
        raise ValueError("a git ref is a string")
    problem = ref_problem(value.strip())
    if problem:
        raise ValueError(problem)
    return value.strip()


def _has_control(text: str) -> bool:
    return any(not ch.isprintable() and ch != " " for ch in text)


class _Reader:
    """Pops typed values out of one TOML table, naming the key on any error."""

    def __init__(self, table: Mapping[str, object], prefix: str, origin: str) -> None:
        self.table = dict(table)
        self.prefix = prefix
        self.origin = origin

    def error(self, key: str, value: object, expected: str) -> ConfigError:
        return ConfigError(f"{self.prefix} {key}", value, expected, self.origin)

    def percent(self, key: str) -> Fraction | None:
        if key not in self.table:
            return None
        value = self.table.pop(key)
        if isinstance(value, str):
            raise self.error(key, value, PERCENT)
        try:
            return parse_percent(value)
        except (ValueError, ZeroDivisionError):
            raise self.error(key, value, PERCENT) from None

    def boolean(self, key: str) -> bool | None:
        if key not in self.table:
            return None
        value = self.table.pop(key)
        if not isinstance(value, bool):
            raise self.error(key, value, "true or false")
        return value

    def text(self, key: str) -> str | None:
        if key not in self.table:
            return None
        value = self.table.pop(key)
        if not isinstance(value, str) or not value.strip() or _has_control(value):
            raise self.error(key, value, "a non-empty string without control characters")
        return value

    def ref(self, key: str) -> str | None:
        if key not in self.table:
            return None
        value = self.table.pop(key)
        try:
            return parse_ref(value)
        except ValueError as exc:
            raise self.error(key, value, f"a git ref ({exc})") from None

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        if key not in self.table:
            return None
        value = self.table.pop(key)
        if value not in choices:
            raise self.error(key, value, "one of " + ", ".join(f'"{c}"' for c in choices))
        return value

    def count(self, key: str) -> int | None:
        if key not in self.table:
            return None
        value = self.table.pop(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(key, value, "a whole number of 0 or more")
        return value

    def report_path(self, key: str) -> str | Literal[False] | None:
        """A file path, or ``false`` to switch the report off."""
        if key not in self.table:
            return None
        value = self.table.pop(key)
        if value is False:
            return False
        if not isinstance(value, str) or not value.strip() or _has_control(value):
            raise self.error(key, value, "a file path (without control characters) or false")
        return value

    def refuse_unknown(self, known: tuple[str, ...]) -> None:
        for key, value in self.table.items():
            raise self.error(key, value, "one of the keys " + ", ".join(sorted(known)))


TABLE_KEYS = (
    "fail_under",
    "branch_fail_under",
    "per",
    "branch",
    "rule",
    "show_files",
    "show_ranges",
    "subset",
    "ratchet",
    "baseline",
    "ratchet_tolerance",
    "ratchet_missed_tolerance",
    "diff_base",
    "diff_fail_under",
    "paths",
    "json",
    "markdown",
    "core",
    "parser",
)
RULE_KEYS = ("path", "module", "min", "branch_min", "per", "name")


def parse_coverage_table(table: Mapping[str, object], origin: str) -> CoverageSettings:
    """Validate ``[tool.piv.coverage]``; a bad key or value raises :class:`ConfigError`."""
    reader = _Reader(table, TABLE, origin)
    fail_under = reader.percent("fail_under")
    branch_fail_under = reader.percent("branch_fail_under")
    per = reader.choice("per", PER_CHOICES) or "group"
    branch = reader.boolean("branch")
    show_files = reader.count("show_files")
    show_ranges = reader.count("show_ranges")
    subset = reader.choice("subset", SUBSET_CHOICES) or "report"
    ratchet = reader.boolean("ratchet")
    baseline = reader.text("baseline")
    tolerance = reader.percent("ratchet_tolerance")
    missed_tolerance = reader.count("ratchet_missed_tolerance")
    diff_base = reader.ref("diff_base")
    diff_fail_under = reader.percent("diff_fail_under")
    json_report = reader.report_path("json")
    markdown_report = reader.report_path("markdown")
    core = reader.choice("core", CORE_CHOICES) or "auto"
    parser = reader.choice("parser", PARSER_CHOICES) or "c-tokens"
    raw_rules = reader.table.pop("rule", [])
    raw_paths = reader.table.pop("paths", {})
    reader.refuse_unknown(TABLE_KEYS)

    rules = _parse_rules(raw_rules, origin)
    paths = _parse_paths(raw_paths, origin)
    settings = CoverageSettings(
        fail_under=fail_under,
        branch_fail_under=branch_fail_under,
        per=cast(Per, per),
        branch=branch,
        rules=rules,
        show_files=5 if show_files is None else show_files,
        show_ranges=10 if show_ranges is None else show_ranges,
        subset=cast(Subset, subset),
        ratchet=bool(ratchet),
        baseline=baseline or DEFAULT_BASELINE,
        ratchet_tolerance=tolerance or Fraction(0),
        ratchet_missed_tolerance=missed_tolerance or 0,
        diff_base=diff_base,
        diff_fail_under=diff_fail_under,
        paths=paths,
        json_report=DEFAULT_JSON_REPORT if json_report is None else (json_report or None),
        markdown_report=markdown_report or None,
        core=cast(Core, core),
        parser=cast(Parser, parser),
    )
    if branch is False:
        for rule in (settings.default_rule, *rules):
            if rule.branch_min is not None:
                key = "branch_fail_under" if rule.is_default else f"{rule.label} branch_min"
                raise ConfigError(
                    f"{TABLE} {key}",
                    float(rule.branch_min),
                    "no branch minimum while branch = false (set branch = true)",
                    origin,
                )
    return settings


def _parse_rules(raw: object, origin: str) -> tuple[Rule, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        raise ConfigError(f"{TABLE} rule", raw, f"an array of tables {RULE_TABLE}", origin)
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for number, item in enumerate(cast(list[Mapping[str, object]], raw), start=1):
        rule = _parse_rule(item, number, origin)
        key = f"path:{rule.path}" if rule.path is not None else f"module:{rule.module}"
        if key in seen:
            raise ConfigError(
                f"{RULE_TABLE} #{number} {key.split(':')[0]}",
                rule.path or rule.module,
                f"a pattern no other rule uses (rule #{seen[key]} has it too)",
                origin,
            )
        seen[key] = number
        rules.append(rule)
    names = [r.name for r in rules]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{RULE_TABLE} name", name, "a name no other rule uses", origin)
    return tuple(rules)


def _parse_rule(item: Mapping[str, object], number: int, origin: str) -> Rule:
    reader = _Reader(item, f"{RULE_TABLE} #{number}", origin)
    path = reader.text("path")
    module = reader.text("module")
    name = reader.text("name")
    if (path is None) == (module is None):
        raise reader.error(
            "path/module", dict(item), 'exactly one of path = "glob" or module = "dotted.name"'
        )
    if path is not None:
        path = path.strip().replace("\\", "/").removeprefix("./")
        if path.startswith("/") or ".." in path.split("/"):
            raise reader.error("path", path, "a glob relative to the project root")
        problem = glob_problem(path)
        if problem:
            raise reader.error("path", path, f"a valid path glob ({problem})")
    if module is not None:
        module = module.strip()
        if not all(part.isidentifier() for part in module.split(".")):
            raise reader.error("module", module, 'a dotted module name like "shop.api"')
    minimum = reader.percent("min")
    branch_min = reader.percent("branch_min")
    per = reader.choice("per", PER_CHOICES) or "group"
    reader.refuse_unknown(RULE_KEYS)
    label = name or cast(str, path if path is not None else module)
    if minimum is None and branch_min is None:
        raise ConfigError(
            f'{RULE_TABLE} #{number} ("{label}") min', None, "min and/or branch_min", origin
        )
    return Rule(
        name=label,
        path=path,
        module=module,
        min=minimum,
        branch_min=branch_min,
        per=cast(Per, per),
    )


def _parse_paths(raw: object, origin: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    expected = 'a table of canonical path = ["alias/path/", ...]'
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{TABLE} paths", raw, expected, origin)
    out: list[tuple[str, tuple[str, ...]]] = []
    for canonical, aliases in raw.items():
        if (
            not isinstance(aliases, list)
            or not aliases
            or not all(isinstance(a, str) and a for a in aliases)
        ):
            raise ConfigError(f"{TABLE} paths.{canonical}", aliases, expected, origin)
        for alias in cast(list[str], aliases):
            problem = glob_problem(alias)
            if problem:
                raise ConfigError(
                    f"{TABLE} paths.{canonical}", aliases, f"valid path globs ({problem})", origin
                )
        out.append((str(canonical), tuple(cast(list[str], aliases))))
    return tuple(out)
