"""CPU profiles: py-spy's speedscope JSON into collapsed stacks and a hotspot table.

A speedscope file from ``py-spy record --subprocesses`` holds one sampled profile per
process and thread; every sample is a stack of frame indices (outermost first) and a weight
in seconds. Functions are keyed by name and file (a frame's line is where the sample was,
not the function, so it is not part of the key); py-spy's own "process ..." and "thread ..."
root frames are dropped so that all processes (xdist workers included) add up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: the module py-spy starts, which runs the profiled command and keeps its exit code
LAUNCHER = "pytest_piv.profiling.launch"

#: a function in a profile: (name, file)
Function = tuple[str, str]


class ProfileFormatError(ValueError):
    """The file is not a speedscope profile this module can read."""


@dataclass(frozen=True)
class CpuHotspot:
    """One function: seconds sampled in it (own) and with it anywhere on the stack (total)."""

    name: str
    file: str
    own: float
    total: float


@dataclass(frozen=True)
class CpuProfile:
    """A whole CPU profile: collapsed stacks (outermost first) with their seconds."""

    stacks: Mapping[tuple[Function, ...], float]
    samples: int
    processes: int

    @property
    def seconds(self) -> float:
        return sum(self.stacks.values())

    def hotspots(self) -> list[CpuHotspot]:
        """Every function, most own time first (ties: most total time, then name)."""
        own: dict[Function, float] = defaultdict(float)
        total: dict[Function, float] = defaultdict(float)
        for stack, weight in self.stacks.items():
            if not stack:
                continue
            own[stack[-1]] += weight
            for function in set(stack):
                total[function] += weight
        spots = [CpuHotspot(f[0], f[1], own.get(f, 0.0), t) for f, t in total.items()]
        spots.sort(key=lambda h: (-h.own, -h.total, h.name, h.file))
        return spots

    def by_total(self) -> list[CpuHotspot]:
        """Every function, most total (inclusive) time first."""
        return sorted(self.hotspots(), key=lambda h: (-h.total, -h.own, h.name, h.file))

    def relative_to(self, root: Path) -> CpuProfile:
        """The same profile with files under ``root`` named relative to it, so that two
        checkouts of one project (a base worktree and the working tree) line up."""
        prefix = str(root.resolve()).rstrip("/") + "/"

        def short(function: Function) -> Function:
            name, file = function
            return (name, file[len(prefix) :]) if file.startswith(prefix) else function

        stacks: dict[tuple[Function, ...], float] = defaultdict(float)
        for stack, weight in self.stacks.items():
            stacks[tuple(short(f) for f in stack)] += weight
        return CpuProfile(dict(stacks), self.samples, self.processes)

    def within(self, files: set[str]) -> CpuProfile:
        """Only the samples taken inside a function of ``files`` (a test's own time)."""
        stacks = {s: w for s, w in self.stacks.items() if any(f[1] in files for f in s)}
        return CpuProfile(stacks, self.samples, self.processes)

    def shares(self, *, own: bool = False) -> dict[Function, float]:
        """Each function's share of all sampled time, inclusive or its own (0..1)."""
        whole = self.seconds or 1.0
        return {(h.name, h.file): (h.own if own else h.total) / whole for h in self.hotspots()}


def _is_pseudo(frame: Mapping[str, object]) -> bool:
    name = str(frame.get("name", ""))
    return not frame.get("file") and name.startswith(("process ", "thread "))


def _process_frames(sample: list[int], functions: list[Function | None]) -> list[int]:
    """The process frames of a sample, outermost first (py-spy nests a child's under its
    parent's)."""
    return [index for index in sample if functions[index] is None]


def _launchers(
    profiles: list[object], functions: list[Function | None], names: list[str]
) -> set[int]:
    """The process frames of the launcher: the outermost process of any sample that nests
    a child under it, or a process named after the launcher module. py-spy may read the
    launcher's command line before exec and name it ``process N:""``, so the name alone
    does not find it."""
    found = {index for index, name in enumerate(names) if LAUNCHER in name}
    for profile in profiles:
        if isinstance(profile, Mapping):
            for sample in profile.get("samples", []):
                nested = _process_frames(sample, functions)
                if len(nested) > 1:
                    found.add(nested[0])
    return found


def parse_speedscope(data: object, *, skip_launcher: bool = False) -> CpuProfile:
    """A :class:`CpuProfile` from a parsed speedscope document (``json.load`` of the file).

    ``skip_launcher`` drops the samples taken in the launcher process that keeps the
    profiled command's exit code (:mod:`pytest_piv.profiling.launch`), so that its start-up
    is not counted as the command's time.
    """
    if not isinstance(data, Mapping):
        raise ProfileFormatError("not a speedscope document (expected a JSON object)")
    shared = data.get("shared")
    profiles = data.get("profiles")
    frames = shared.get("frames") if isinstance(shared, Mapping) else None
    if not isinstance(frames, list) or not isinstance(profiles, list):
        raise ProfileFormatError("not a speedscope document (no shared frames or profiles)")
    functions: list[Function | None] = []
    names: list[str] = []
    for frame in frames:
        if not isinstance(frame, Mapping):
            raise ProfileFormatError("a speedscope frame is not an object")
        pseudo = _is_pseudo(frame)
        names.append(str(frame.get("name", "")) if pseudo else "")
        functions.append(None if pseudo else (str(frame["name"]), str(frame["file"])))
    skipped = _launchers(profiles, functions, names) if skip_launcher else set()
    stacks: dict[tuple[Function, ...], float] = defaultdict(float)
    samples = 0
    processes: set[str] = set()
    for profile in profiles:
        if not isinstance(profile, Mapping) or profile.get("type") != "sampled":
            continue
        weights = profile.get("weights", [])
        for sample, weight in zip(profile.get("samples", []), weights, strict=False):
            own = _process_frames(sample, functions)
            if skipped and own and own[-1] in skipped:
                continue
            processes.add(str(profile.get("name", "")).split(" Thread ")[0])
            stack = tuple(f for f in (functions[i] for i in sample) if f is not None)
            stacks[stack] += float(weight)
            samples += 1
    return CpuProfile(stacks=dict(stacks), samples=samples, processes=len(processes))


@dataclass(frozen=True)
class ShareChange:
    """How one function's inclusive share of time moved between two profiles."""

    name: str
    file: str
    before: float
    after: float

    @property
    def growth(self) -> float:
        return self.after - self.before


def share_diff(before: CpuProfile, after: CpuProfile, *, own: bool = True) -> list[ShareChange]:
    """Functions whose share of time grew the most first (a before/after profile diff).

    Own time by default: an outer function's inclusive share hardly moves when something
    below it slows down, the slowed function's own share does.
    """
    old, new = before.shares(own=own), after.shares(own=own)
    changes = [ShareChange(f[0], f[1], old.get(f, 0.0), new.get(f, 0.0)) for f in {*old, *new}]
    changes.sort(key=lambda c: (-c.growth, c.name, c.file))
    return changes
