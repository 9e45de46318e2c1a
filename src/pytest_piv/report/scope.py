"""A run's scope as a person would write it: ``subset: -k rejects_zero, 740 deselected``."""

from __future__ import annotations

import shlex
from collections.abc import Mapping


def _arg(value: object) -> str:
    return shlex.quote(str(value))


def scope_text(scope: str, detail: Mapping[str, object]) -> str:
    """``full``, or ``subset: `` and what narrowed the run, in command-line words."""
    if scope == "full" or not detail:
        return scope
    if scope == "reach":
        return f"reach: {detail.get('deselected', 0)} deselected (they run nothing that changed)"
    parts: list[str] = []
    args = detail.get("args")
    if isinstance(args, list) and args:
        parts.append(" ".join(_arg(a) for a in args))
    else:  # the command line names the options below itself
        for key in ("k", "m"):
            if detail.get(key):
                parts.append(f"-{key} {_arg(detail[key])}")
        for key in ("lf", "sw"):
            if detail.get(key):
                parts.append(f"--{key}")
        deselect = detail.get("deselect")
        if isinstance(deselect, list):
            parts.extend(f"--deselect {_arg(d)}" for d in deselect)
        if detail.get("ignore"):
            parts.append("--ignore")
    if detail.get("deselected"):
        parts.append(f"{detail['deselected']} deselected")
    return "subset: " + ", ".join(parts) if parts else "subset"
