"""A before/after profile of a slower test or benchmark: which functions took more time.

Both sides run the same node ids under py-spy in fresh pytest processes: the base in a
throw-away git worktree of a ref (the baseline's commit, or the A/B base), the candidate in
the working tree, each importing its own code first (``src/`` and the root on
``PYTHONPATH``). The functions whose share of the tests' own time grew the most come first.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_piv.profiling import pyspy, runs
from pytest_piv.profiling.cpu import CpuProfile, ShareChange, share_diff


@dataclass(frozen=True)
class SideProfile:
    """One side's profile (files relative to its root) and the exit code of its run."""

    label: str
    directory: Path
    profile: CpuProfile
    exit_code: int


def pytest_command(python: str, nodeids: Sequence[str], extra: Sequence[str]) -> list[str]:
    """The plain pytest run of ``nodeids`` one side is profiled in (pytest-piv off)."""
    command = [python, "-m", "pytest", "-p", "no:piv", "-p", "no:cacheprovider", "-q"]
    if importlib.util.find_spec("xdist") is not None:
        command += ["-p", "no:xdist"]
    return [*command, *extra, *nodeids]


def profile_side(
    label: str,
    root: Path,
    nodeids: Sequence[str],
    directory: Path,
    *,
    python: str,
    extra: Sequence[str] = (),
    rate: int = 100,
    tool: str = "py-spy",
) -> SideProfile:
    """Run ``nodeids`` at ``root`` under py-spy; keep the profile in ``directory``."""
    paths = [str(p) for p in (root / "src", root) if p.is_dir()]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [env.get("PYTHONPATH")])])
    env.pop("PYTEST_ADDOPTS", None)
    code = pyspy.record(
        pytest_command(python, nodeids, extra),
        directory,
        rate=rate,
        tool=tool,
        cwd=root,
        env=env,
        blocking=True,  # a before/after diff compares shares: exact stacks, always
        capture=True,
    )
    profile = pyspy.load(directory).relative_to(root)
    pyspy.write_flamegraph(profile, directory, f"{label}: {' '.join(nodeids)}")
    return SideProfile(label, directory, profile, code)


def grown(
    base: SideProfile, candidate: SideProfile, nodeids: Sequence[str], top: int
) -> list[ShareChange]:
    """The functions whose share of the tests' own time grew the most, largest first.

    Only samples inside the tests' files count (pytest's start-up and collection do not),
    and shares are of own time: the slowed function itself, not everything above it.
    """
    files = {n.split("::", 1)[0] for n in nodeids}
    before, after = base.profile.within(files), candidate.profile.within(files)
    return [c for c in share_diff(before, after) if c.growth > 0][:top]


def before_after(
    root: Path,
    base_ref: str,
    nodeids: Sequence[str],
    profiles: Path,
    *,
    python: str,
    extra: Sequence[str] = (),
    rate: int = 250,
    tool: str = "py-spy",
    top: int = 10,
) -> dict[str, Any]:
    """Profile ``nodeids`` at ``base_ref`` and in the working tree at ``root``; keep both
    in a new run directory under ``profiles`` and return that run's report."""
    from pytest_piv.baselines.worktree import checkout

    run = runs.new_run(profiles)
    options: dict[str, Any] = {"python": python, "extra": extra, "rate": rate, "tool": tool}
    with checkout(root, base_ref) as base_root:
        before = profile_side(f"base {base_ref}", base_root, nodeids, run / "base", **options)
    after = profile_side("working tree", root, nodeids, run / "working", **options)

    def where(path: Path) -> str:
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)

    return runs.merge_report(
        run,
        {
            "run": run.name,
            "diff": {
                "base": base_ref,
                "nodeids": list(nodeids),
                "grown": [
                    {
                        "function": c.name,
                        "file": c.file,
                        "before": round(c.before, 4),
                        "after": round(c.after, 4),
                    }
                    for c in grown(before, after, nodeids, top)
                ],
            },
            "artifacts": {
                "base profile": where(run / "base" / pyspy.SPEEDSCOPE),
                "working tree profile": where(run / "working" / pyspy.SPEEDSCOPE),
            },
        },
    )
