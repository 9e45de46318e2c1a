"""The evidence RGR judges: outcomes, red kinds and what the ledger remembers."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

#: the default of a mapping field of a value type: empty, and shared safely as read-only
EMPTY: Mapping[Any, Any] = MappingProxyType({})


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"

    @property
    def is_red(self) -> bool:
        return self in RED_OUTCOMES

    @property
    def is_green(self) -> bool:
        return self in GREEN_OUTCOMES


#: for the per-test paths: a set lookup instead of a property call
RED_OUTCOMES = frozenset({Outcome.FAILED, Outcome.ERROR})
GREEN_OUTCOMES = frozenset({Outcome.PASSED, Outcome.XPASSED})


class RedKind(StrEnum):
    """Why a test failed, as far as Red-Green-Refactor is concerned."""

    ASSERTION = "assertion"
    NOT_IMPLEMENTED = "not-implemented"
    CODE_UNDER_TEST = "exception-in-code-under-test"
    IMPORT_ERROR = "import-error"
    MISSING_SYMBOL = "missing-symbol"
    CALL_SIGNATURE = "call-signature"
    FIXTURE = "fixture-error"
    TEST_CODE = "error-in-test-code"
    COLLECTION = "collection-error"
    SYNTAX = "syntax-error"


BEHAVIOURAL = frozenset({RedKind.ASSERTION, RedKind.NOT_IMPLEMENTED, RedKind.CODE_UNDER_TEST})
DOES_NOT_EXIST_YET = frozenset(
    {RedKind.IMPORT_ERROR, RedKind.MISSING_SYMBOL, RedKind.CALL_SIGNATURE}
)
ALLOWED_REDS: dict[str, frozenset[RedKind]] = {
    "strict": BEHAVIOURAL,
    "standard": BEHAVIOURAL | DOES_NOT_EXIST_YET,
    "lenient": frozenset(RedKind) - {RedKind.SYNTAX},
}


def is_valid_red(kind: RedKind | None, policy: str) -> bool:
    return kind is not None and kind in ALLOWED_REDS[policy]


class Red(NamedTuple):
    """A failure: its kind, where it was raised and a one-line message."""

    kind: RedKind
    path: str | None
    line: int | None
    message: str
    during: str = "call"

    def where(self) -> str:
        if self.path is None:
            return "?"
        return f"{self.path}:{self.line}" if self.line else self.path


class Observation(NamedTuple):
    """What one run saw of one test (one node id)."""

    nodeid: str
    outcome: Outcome
    digest: str
    func_key: str
    full_digest: str
    red: Red | None = None
    characterization: bool = False


class TestRecord(NamedTuple):
    """What the ledger remembers of one node id: its latest judged outcome."""

    nodeid: str
    digest: str | None
    outcome: Outcome
    red_kind: RedKind | None
    valid_red: bool
    run_id: int
    red_run_id: int | None
    verdict: str | None = None


# named Test*, but not a test class for pytest to collect
TestRecord.__test__ = False  # type: ignore[attr-defined]


class FileRecord(NamedTuple):
    """What the ledger remembers of one file: its digest and since which run."""

    path: str
    digest: str | None
    role: str
    since_run: int
    verified_digest: str | None
