"""Whether a run is the whole suite or a subset (``-k``, ``-m``, ``--lf``, paths...)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest


def _covers_every_test_file(given: list[Path], root: Path, test_files: Iterable[str]) -> bool:
    """True when the given paths hold every test file of the project (and there is one)."""
    files = [root / f for f in test_files]
    return bool(files) and all(any(f == g or g in f.parents for g in given) for f in files)


def known_test_files(config: pytest.Config) -> list[str]:
    """The project's test files as the RGR plugin listed them (none without it)."""
    tree = getattr(config.pluginmanager.get_plugin("piv-rgr"), "tree", None)
    return list(tree.of_role("test")) if tree is not None else []


def run_scope(
    config: pytest.Config, root: Path, deselected: int, test_files: Iterable[str] = ()
) -> tuple[str, dict[str, object]]:
    """``("full", {})`` or ``("subset", {what narrowed it: ...})``. Paths on the command
    line are the whole suite when they are the root or ``testpaths``, or when they hold
    every file of *test_files* (the project's test files) and no ``--doctest-modules``
    would collect tests elsewhere."""
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
        whole = all(g in defaults for g in given) or (
            not getattr(opt, "doctestmodules", False)
            and _covers_every_test_file(given, root.resolve(), test_files)
        )
        if any("::" in a for a in config.args) or not whole:
            detail["args"] = list(config.invocation_params.args)
    return ("subset" if detail else "full"), detail
