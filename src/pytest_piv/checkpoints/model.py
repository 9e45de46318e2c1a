"""What a checkpoint is: a snapshot commit on a ref, described by trailers in its message.

A checkpoint lives on ``refs/piv/checkpoints/<branch>/<n>``; a safety snapshot that
``piv rollback`` takes before it changes a file lives on ``refs/piv/safety/<branch>/<n>``.
Its commit holds the whole working tree; its message ends in ``Piv-*`` trailers that say
what the working tree was (HEAD, the index tree), the RGR phase and the validation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

CHECKPOINTS = "refs/piv/checkpoints/"
SAFETY = "refs/piv/safety/"
#: the branch part of a ref when HEAD is detached (git forbids a branch of that name)
DETACHED = "HEAD"
TAG_PREFIX = "piv/cp/"
_TRAILER = re.compile(r"^(Piv-[A-Za-z-]+): ?(.*)$")


def ref_name(kind_prefix: str, branch: str, number: int) -> str:
    return f"{kind_prefix}{branch}/{number}"


def tag_name(branch: str, number: int) -> str:
    return f"{TAG_PREFIX}{branch}/{number}"


def split_ref(ref: str) -> tuple[str, int] | None:
    """``refs/piv/checkpoints/feature/x/3`` -> ``("feature/x", 3)``."""
    for prefix in (CHECKPOINTS, SAFETY):
        if ref.startswith(prefix):
            branch, _, number = ref[len(prefix) :].rpartition("/")
            if branch and number.isdigit():
                return branch, int(number)
    return None


def parse_trailers(message: str) -> dict[str, str]:
    """The ``Piv-*`` trailers of a message, by key."""
    found = {}
    for line in message.splitlines():
        match = _TRAILER.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def format_message(subject: str, body: str, trailers: Mapping[str, str]) -> str:
    parts = [subject.strip()]
    if body.strip():
        parts.append(body.strip())
    if trailers:
        parts.append("\n".join(f"{key}: {value}" for key, value in trailers.items()))
    return "\n\n".join(parts) + "\n"


def body_of(message: str) -> str:
    """The message without its subject line and its trailers."""
    _, _, rest = message.partition("\n")
    lines = [line for line in rest.splitlines() if not _TRAILER.match(line.strip())]
    return "\n".join(lines).strip()


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint (or safety snapshot) as read back from its ref."""

    ref: str
    branch: str
    number: int
    commit: str
    time: int
    message: str
    trailers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def id(self) -> str:
        """What ``piv rollback`` and ``piv resume`` take: ``<branch>/<n>`` (a safety
        snapshot: ``safety/<branch>/<n>``)."""
        kind = "safety/" if self.ref.startswith(SAFETY) else ""
        return f"{kind}{self.branch}/{self.number}"

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def phase(self) -> str | None:
        return self.trailers.get("Piv-Phase") or None

    @property
    def validation(self) -> str | None:
        return self.trailers.get("Piv-Validation") or None

    @property
    def head(self) -> str | None:
        value = self.trailers.get("Piv-Head", "")
        return value if value and value != "none" else None

    @property
    def index_tree(self) -> str | None:
        value = self.trailers.get("Piv-Index", "")
        return value if value and value != "conflicted" else None

    @property
    def committed(self) -> str | None:
        """The branch commit this checkpoint became, when it got that far."""
        return self.trailers.get("Piv-Commit") or None

    @property
    def note(self) -> str:
        """The user's message (``-m``)."""
        return self.trailers.get("Piv-Message", "")

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "time": self.time,
            "branch": self.branch,
            "phase": self.phase,
            "validation": self.validation,
            "message": self.note,
            "commit": self.commit,
            "committed": self.committed,
            "ref": self.ref,
        }


def trailer_line(pairs: Sequence[tuple[str, str]]) -> str:
    """``ruff=pass tests=12/12``: the compact form of a validation summary."""
    return " ".join(f"{key}={value}" for key, value in pairs)
