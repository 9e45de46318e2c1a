"""The coverage ratchet: a committed baseline of missed lines per rule group.

A group fails the ratchet when it has more missed lines than the baseline allows
(``ratchet_missed_tolerance``, default 0), or when it has any new missed line *and* its
percentage fell more than ``ratchet_tolerance`` points below the baseline's. Deleting
covered code lowers the percentage but adds no missed line, so it never trips the ratchet.
Updating the baseline only ever lowers a group's missed count, unless lowering the floor
is allowed explicitly with a reason, which the file keeps.

The file is JSON with sorted keys, one group per block and integers only in the verdict
fields, so a change reviews as a small diff.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from pytest_piv.coverage.model import Ratio
from pytest_piv.coverage.percent import show_minimum, show_percent
from pytest_piv.errors import PivError

FORMAT_VERSION = 1


class BaselineError(PivError):
    """The baseline file cannot be read, or an update would lower a floor."""


@dataclass(frozen=True)
class BaselineEntry:
    """One group's floor: its statements and missed lines when the baseline was written."""

    statements: int
    missed: int

    @property
    def ratio(self) -> Ratio:
        return Ratio(self.statements - self.missed, self.statements)


@dataclass(frozen=True)
class Lowering:
    """A recorded, reasoned decision to lower floors."""

    date: str
    reason: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Baseline:
    groups: Mapping[str, BaselineEntry]
    lowered: tuple[Lowering, ...] = ()


@dataclass(frozen=True)
class RatchetVerdict:
    baseline: BaselineEntry
    failures: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def judge_ratchet(
    entry: BaselineEntry,
    lines: Ratio,
    tolerance: Fraction = Fraction(0),
    missed_tolerance: int = 0,
) -> RatchetVerdict:
    """Compare a group's lines now with its baseline floor."""
    failures: list[str] = []
    rise = lines.missed - entry.missed
    floor = entry.ratio.percent - tolerance
    if rise > missed_tolerance:
        failures.append(f"ratchet: {lines.missed} missed lines, baseline {entry.missed} (+{rise})")
    elif rise > 0 and lines.percent < floor:
        failures.append(
            f"ratchet: {show_percent(lines.percent, floor)} % < baseline "
            f"{show_percent(entry.ratio.percent)} % - {show_minimum(tolerance)} "
            f"with {rise} new missed lines"
        )
    return RatchetVerdict(entry, tuple(failures))


def dumps_baseline(baseline: Baseline) -> str:
    """The baseline as sorted, indented JSON ending in a newline."""
    groups = {
        name: {
            "missed": entry.missed,
            "percent": show_percent(entry.ratio.percent),
            "statements": entry.statements,
        }
        for name, entry in baseline.groups.items()
    }
    lowered = [
        {"date": low.date, "groups": list(low.groups), "reason": low.reason}
        for low in baseline.lowered
    ]
    document: dict[str, object] = {"groups": groups, "version": FORMAT_VERSION}
    if lowered:
        document["lowered"] = lowered
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def loads_baseline(text: str, origin: str) -> Baseline:
    """Read a baseline file; a malformed one raises :class:`BaselineError`."""
    try:
        document = json.loads(text)
        if not isinstance(document, dict):
            raise TypeError("not an object")
        version = document.get("version")
        if version != FORMAT_VERSION:
            raise BaselineError(
                f"{origin}: baseline format version {version!r} is not {FORMAT_VERSION} "
                "(hint: upgrade pytest-piv, or rewrite it with piv coverage baseline)"
            )
        groups = {
            str(name): BaselineEntry(int(value["statements"]), int(value["missed"]))
            for name, value in document["groups"].items()
        }
        lowered = tuple(
            Lowering(str(item["date"]), str(item["reason"]), tuple(map(str, item["groups"])))
            for item in document.get("lowered", [])
        )
    except BaselineError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise BaselineError(
            f"{origin}: not a coverage baseline ({exc}) "
            "(hint: rewrite it with piv coverage baseline)"
        ) from None
    for name, entry in groups.items():
        if not 0 <= entry.missed <= entry.statements:
            raise BaselineError(
                f"{origin}: group {name!r} has missed {entry.missed} of "
                f"{entry.statements} statements"
            )
    return Baseline(groups, lowered)


def update_baseline(
    old: Baseline | None,
    current: Mapping[str, Ratio],
    *,
    allow_lower: bool = False,
    reason: str | None = None,
    date: str = "",
) -> Baseline:
    """The new baseline from the current numbers; floors only rise unless allowed.

    A group is *lowered* when it now has more missed lines than its floor. Groups that are
    new are added; groups that no longer exist are dropped.
    """
    old_groups = old.groups if old is not None else {}
    lowered = sorted(
        name
        for name, ratio in current.items()
        if name in old_groups and ratio.missed > old_groups[name].missed
    )
    history = old.lowered if old is not None else ()
    if lowered:
        details = ", ".join(
            f"{name} ({old_groups[name].missed} -> {current[name].missed} missed)"
            for name in lowered
        )
        if not allow_lower:
            raise BaselineError(
                f"updating the baseline would lower the floor of {details} "
                "(hint: cover those lines, or pass --allow-lower --reason TEXT)"
            )
        if not reason or not reason.strip():
            raise BaselineError("lowering a floor needs a reason (hint: --reason TEXT)")
        history = (*history, Lowering(date, reason.strip(), tuple(lowered)))
    groups = {
        name: BaselineEntry(ratio.total, ratio.missed) for name, ratio in sorted(current.items())
    }
    return Baseline(groups, history)
