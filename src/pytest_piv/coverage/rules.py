"""Which rule judges which file: matching and the documented specificity order.

Every measured file belongs to exactly one rule. Among the rules that match a file the
most specific wins, compared in this order:

1. a rule that names the file itself (a path without wildcards equal to the file, or a
   module equal to the file's module) beats any rule that names a directory or a glob;
2. then the rule whose fixed directory prefix is deepest (``src/shop/api/**`` and
   ``module = "shop.api"`` both fix ``src/shop/api``: depth 3);
3. then the rule with more literal characters after that prefix
   (``src/shop/api/v*.py`` beats ``src/shop/api/**``);
4. files no rule matches belong to the default rule (``fail_under``).

Two rules that tie at the top for some file are a usage error naming both, and so is a
rule that matches no measured file or whose every file a more specific rule takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pytest_piv.coverage.model import FileCoverage
from pytest_piv.coverage.settings import CoverageSettings, Rule
from pytest_piv.errors import PivError
from pytest_piv.paths import glob_regex, module_name

WILDCARDS = frozenset("*?[")


class CoverageRuleError(PivError):
    """The rules cannot judge the measured files (no match, a tie, branch on line data)."""


class Specificity(NamedTuple):
    """How precisely a rule names a file; a larger tuple is more specific."""

    names_file: bool
    depth: int
    literal_chars: int


def _has_wildcard(segment: str) -> bool:
    return any(c in WILDCARDS for c in segment)


def _path_specificity(pattern: str, path: str) -> Specificity | None:
    segments = pattern.rstrip("/").split("/")
    if not any(_has_wildcard(s) for s in segments):
        if path == pattern.rstrip("/"):
            return Specificity(True, len(segments), 0)
        if path.startswith(pattern.rstrip("/") + "/"):
            return Specificity(False, len(segments), 0)
        return None
    if "/" not in pattern.rstrip("/"):
        # a bare name glob matches at any depth, as in .gitignore
        if not glob_regex(pattern).match(path):
            return None
        return Specificity(False, 0, _literal_chars(segments))
    if not glob_regex(pattern).match(path):
        return None
    depth = 0
    for segment in segments:
        if _has_wildcard(segment):
            break
        depth += 1
    return Specificity(False, depth, _literal_chars(segments[depth:]))


def _literal_chars(segments: Sequence[str]) -> int:
    count = 0
    for segment in segments:
        in_class = False
        for char in segment:
            if char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif not in_class and char not in "*?":
                count += 1
    return count


def _module_specificity(module: str, path: str) -> Specificity | None:
    own = module_name(path)
    if own != module and not own.startswith(module + "."):
        return None
    path_parts = path.removesuffix(".py").split("/")
    is_package = path_parts[-1] == "__init__"
    if is_package:
        path_parts = path_parts[:-1]
    extra = own.count(".") - module.count(".")
    if extra == 0 and not is_package:
        return Specificity(True, len(path_parts), 0)
    # the directory the rule's module is in this file's path
    return Specificity(False, len(path_parts) - extra, 0)


def specificity(rule: Rule, path: str) -> Specificity | None:
    """How specifically ``rule`` names ``path``; ``None`` when it does not match it."""
    if rule.path is not None:
        return _path_specificity(rule.path, path)
    if rule.module is not None:
        return _module_specificity(rule.module, path)
    return Specificity(False, -1, 0)


@dataclass(frozen=True)
class Group:
    """One rule and the measured files it judges."""

    rule: Rule
    files: tuple[FileCoverage, ...]


def assign(
    files: Sequence[FileCoverage],
    settings: CoverageSettings,
    *,
    every_rule_must_match: bool = True,
) -> tuple[Group, ...]:
    """Give every file to its most specific rule; the default rule comes last.

    ``every_rule_must_match`` is false for subset runs, where a rule whose files were not
    imported is expected to match nothing.
    """
    rules = settings.rules
    owned: dict[int, list[FileCoverage]] = {i: [] for i in range(len(rules))}
    matched: set[int] = set()
    default_files: list[FileCoverage] = []
    for file in sorted(files, key=lambda f: f.path):
        best: list[tuple[Specificity, int]] = []
        for index, rule in enumerate(rules):
            spec = specificity(rule, file.path)
            if spec is None:
                continue
            matched.add(index)
            if not best or spec > best[0][0]:
                best = [(spec, index)]
            elif spec == best[0][0]:
                best.append((spec, index))
        if not best:
            default_files.append(file)
            continue
        if len(best) > 1:
            first, second = (rules[i] for _, i in best[:2])
            raise CoverageRuleError(
                f"{first.label} and {second.label} are equally specific for {file.path}; "
                "every file must belong to exactly one rule "
                "(hint: make one of them name a deeper directory or the file itself)"
            )
        owned[best[0][1]].append(file)
    if every_rule_must_match:
        for index, rule in enumerate(rules):
            if owned[index]:
                continue
            if index in matched:
                raise CoverageRuleError(
                    f"{rule.label} matches measured files but more specific rules take all "
                    "of them (hint: remove it or narrow the other rules)"
                )
            raise CoverageRuleError(
                f"{rule.label} matches no measured file of {len(files)} "
                "(hint: `piv coverage files` lists the measured paths; a path glob is "
                "relative to the project root)"
            )
    groups = [Group(rule, tuple(owned[i])) for i, rule in enumerate(rules)]
    groups.append(Group(settings.default_rule, tuple(default_files)))
    return tuple(groups)


def check_branch_data(settings: CoverageSettings, has_branches: bool) -> None:
    """A branch minimum cannot be judged on data measured without branches."""
    if has_branches:
        return
    for rule in (settings.default_rule, *settings.rules):
        if rule.branch_min is not None:
            raise CoverageRuleError(
                f"{rule.label} has a branch minimum but the coverage data has no branch "
                "measurement (hint: set branch = true in [tool.piv.coverage], or "
                "[tool.coverage.run] branch = true when you pass --cov)"
            )
