"""What one gate's result becomes: a status, tables for the summary, annotations."""

from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal["error", "warning", "notice"]
Status = Literal["passed", "failed", "skipped", "unreadable"]

KINDS: tuple[Kind, ...] = ("error", "warning", "notice")
#: the gates in summary order, each with the file it writes and the artifact that holds it
GATES: tuple[str, ...] = ("validate", "coverage", "bench", "verify", "profile")


def result_file(gate: str) -> str:
    """The file a gate's job writes (``piv report github --from DIR`` reads DIR/<this>)."""
    return f"{gate}.json"


def artifact(gate: str) -> str:
    """The artifact a gate's job uploads its JSON under."""
    return f"piv-result-{gate}"


class Annotation(NamedTuple):
    """One ``::error``/``::warning``/``::notice`` workflow command, before escaping."""

    kind: Kind
    title: str
    message: str
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    col: int | None = None


class Table(NamedTuple):
    """A Markdown table of plain-text cells (escaped when rendered)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class GateResult(NamedTuple):
    gate: str
    status: Status
    headline: str
    tables: tuple[Table, ...] = ()
    annotations: tuple[Annotation, ...] = ()


class MalformedResult(ValueError):
    """A gate's JSON is not the shape its command writes; the message says what was expected."""


#: jobs of the reusable workflow that write no JSON but whose outcome the summary shows
PLAIN_JOBS: tuple[str, ...] = ("tests",)


def skipped(gate: str, job: str | None = None) -> GateResult:
    """A gate whose job wrote nothing, told apart by the job's result when it is known.

    ``job`` is the job's ``result`` from ``toJSON(needs)`` (``success``, ``failure``,
    ``cancelled``, ``skipped``), or None when the caller did not say.
    """
    if job in ("failure", "cancelled"):
        return GateResult(gate, "failed", f"the job ended in {job} before its result; see its log")
    if job == "success":
        return GateResult(gate, "skipped", "no result, although the job succeeded")
    return GateResult(gate, "skipped", "no result: the job was skipped or switched off")


def plain_job(job: str, result: str) -> GateResult:
    """A job that writes no JSON (the test shards): only whether it passed."""
    if result == "success":
        return GateResult(job, "passed", "every job passed")
    if result == "skipped":
        return GateResult(job, "skipped", "skipped")
    return GateResult(job, "failed", f"ended in {result}; see its log")


def unreadable(gate: str, why: str) -> GateResult:
    return GateResult(gate, "unreadable", why)


def judged_by_job(result: GateResult, job: str | None) -> GateResult:
    """The status the gate's own job reached, when known: its command applied the project's
    settings (``mode = "warn"``, ``inconclusive = "fail"``...), so it decides; the JSON
    still gives the details."""
    if job is None or result.status not in ("passed", "failed"):
        return result
    failed = job in ("failure", "cancelled")
    if failed == (result.status == "failed"):
        return result
    if failed:
        return result._replace(status="failed", headline=f"{result.headline} (the job failed)")
    return result._replace(status="passed", headline=f"{result.headline} (the job passed)")
