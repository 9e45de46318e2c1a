"""Whether a run is the whole suite or a subset (``-k``, ``-m``, ``--lf``, paths...)."""

from __future__ import annotations

from pathlib import Path

import pytest


def run_scope(config: pytest.Config, root: Path, deselected: int) -> tuple[str, dict[str, object]]:
    """``("full", {})`` or ``("subset", {what narrowed it: ...})``."""
    opt = config.option
    detail: dict[str, object] = {}
    if getattr(opt, "keyword", ""):
        detail["k"] = opt.keyword
    if getattr(opt, "markexpr", ""):
        detail["m"] = opt.markexpr
    if getattr(opt, "lf", False):
        detail["lf"] = True
    if getattr(opt, "stepwise", False):
        detail["sw"] = True
    if deselected:
        detail["deselected"] = deselected
    if getattr(opt, "deselect", None):  # under xdist the workers deselect, unseen here
        detail["deselect"] = list(opt.deselect)
    if getattr(opt, "ignore", None) or getattr(opt, "ignore_glob", None):
        detail["ignore"] = True
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        defaults = {root, *(root / t for t in config.getini("testpaths"))}
        given = [Path(a.split("::")[0]).resolve() for a in config.args]
        if any("::" in a for a in config.args) or not all(g in defaults for g in given):
            detail["args"] = list(config.invocation_params.args)
    return ("subset" if detail else "full"), detail
