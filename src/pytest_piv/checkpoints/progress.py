"""Progress from evidence: what the ledger says is completed, in progress and remaining.

Read from the store that ``pytest --piv`` writes: completed are the tests that pass, in
progress the valid REDs waiting to turn green, remaining the other failing tests. The
phase of the last run gives a checkpoint commit its type.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from pytest_piv.checkpoints.features import FeatureProgress, feature_progress
from pytest_piv.errors import StoreError
from pytest_piv.paths import FileRoles
from pytest_piv.store import connect
from pytest_piv.store.progress import last_phase, test_outcomes

#: the conventional-commit type of a checkpoint, by the RGR phase of the last run
COMMIT_TYPES = {"RED": "test", "GREEN": "feat", "REFACTOR": "refactor"}
FAILED = ("failed", "error")
#: how many node ids a body or a note lists before it says "and N more"
LISTED = 10


@dataclass(frozen=True)
class Progress:
    phase: str | None = None
    headline: str | None = None
    run: int | None = None
    completed: tuple[str, ...] = ()
    in_progress: tuple[str, ...] = ()
    remaining: tuple[str, ...] = ()
    #: why there is no evidence (no store yet, or it cannot be read)
    missing: str | None = None
    features: tuple[FeatureProgress, ...] = ()

    @property
    def commit_type(self) -> str:
        return COMMIT_TYPES.get(self.phase or "", "chore")

    @property
    def next_step(self) -> str:
        if self.missing:
            return "run `pytest --piv` to record where the work stands"
        if self.in_progress:
            return f"make {self.in_progress[0]} pass (the smallest change that turns it green)"
        if self.remaining:
            return f"fix {self.remaining[0]}, which fails without a planned RED"
        return "write the next failing test (RED)"

    def lines(self) -> list[str]:
        """The progress block of a checkpoint body and of a resume note."""
        if self.missing:
            return [f"Progress: unknown ({self.missing})", f"Next: {self.next_step}"]
        return [
            f"Phase: {self.phase or 'unknown'}" + (f" ({self.headline})" if self.headline else ""),
            *self._feature_lines(),
            f"Completed: {len(self.completed)} passing tests",
            f"In progress: {len(self.in_progress)} tests waiting to turn green",
            *_listed(self.in_progress),
            f"Remaining: {len(self.remaining)} failing tests without a planned RED",
            *_listed(self.remaining),
            f"Next: {self.next_step}",
        ]

    def _feature_lines(self) -> list[str]:
        if not self.features:
            return []
        done = [f for f in self.features if f.passes]
        found = [f"Features: {len(done)}/{len(self.features)} done"]
        for feature in self.features:
            if not feature.passes:
                found.append(
                    f"  - {feature.id}: {feature.status} ({len(feature.passing)} passing, "
                    f"{len(feature.failing)} failing, {len(feature.not_run)} not run)"
                )
        return found[: LISTED + 1]

    def as_json(self) -> dict[str, object]:
        return {
            "features": [f.as_json() for f in self.features],
            "phase": self.phase,
            "headline": self.headline,
            "run": self.run,
            "completed": list(self.completed),
            "in_progress": list(self.in_progress),
            "remaining": list(self.remaining),
            "next_step": self.next_step,
        }


def _listed(nodeids: tuple[str, ...]) -> list[str]:
    shown = [f"  - {nodeid}" for nodeid in nodeids[:LISTED]]
    if len(nodeids) > LISTED:
        shown.append(f"  - and {len(nodeids) - LISTED} more")
    return shown


def read_progress(db: Path, root: Path | None = None, roles: FileRoles | None = None) -> Progress:
    """The progress recorded in the store at *db*; an empty Progress saying why if none.

    With *root* and *roles*, each ``piv_feature``'s tests are looked up too."""
    if not db.exists():
        return Progress(missing="no `pytest --piv` run recorded yet")
    try:
        with contextlib.closing(connect(db, create=False)) as conn:
            last = last_phase(conn)
            outcomes_rows = test_outcomes(conn)
    except StoreError as exc:
        return Progress(missing=str(exc))
    if last is None:
        return Progress(missing="no `pytest --piv` run recorded yet")
    passing = tuple(t.nodeid for t in outcomes_rows if t.outcome in ("passed", "xpassed"))
    reds = tuple(t.nodeid for t in outcomes_rows if t.pending_red)
    failing = tuple(t.nodeid for t in outcomes_rows if t.outcome in FAILED and not t.pending_red)
    features: tuple[FeatureProgress, ...] = ()
    if root is not None and roles is not None:
        outcomes = {t.nodeid: t.outcome for t in outcomes_rows}
        features = tuple(feature_progress(root, roles, outcomes))
    return Progress(last[1], last[2], last[0], passing, reds, failing, None, features)
