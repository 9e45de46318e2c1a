"""``piv rgr explain NODEID`` and ``piv rgr accept NODEID``."""

from __future__ import annotations

import contextlib
import time

import click

from pytest_piv.cli.context import (
    check_reason,
    echo_json,
    echo_line,
    open_store,
    project_config,
)
from pytest_piv.errors import UsageError
from pytest_piv.store import ledger


@click.group("rgr")
def rgr_group() -> None:
    """Red-Green-Refactor evidence of single tests."""


@rgr_group.command("explain")
@click.argument("nodeid")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def explain_command(ctx: click.Context, nodeid: str, as_json: bool) -> int:
    """Show one test's history across runs and why it was judged as it was."""
    piv = project_config(ctx)
    with contextlib.closing(open_store(piv)) as conn:
        rows = ledger.history(conn, nodeid)
        proofs = ledger.proofs_of(conn, nodeid)
    if not rows:
        raise UsageError(f"{nodeid}: no recorded run of this test (check the node id)")
    if as_json:
        echo_json(
            {
                "nodeid": nodeid,
                "history": [row._asdict() for row in rows],
                "proofs": [{"digest": d, "how": h, "reason": r} for d, h, r in proofs],
            }
        )
        return 0
    echo_line(nodeid)
    for row in rows:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.started))
        red = f"  {row.red_kind}: {row.red_message} at {row.red_where}" if row.red_kind else ""
        echo_line(
            f"  run {row.run_id:>4}  {when}  {row.outcome:<8} {row.verdict or '-':<16}"
            f" version {(row.digest or '-')[:8]}{red}"
        )
    for digest, how, reason in proofs:
        extra = f" ({reason})" if reason else ""
        echo_line(f"  version {digest[:8]} proven: {how}{extra}")
    return 0


@rgr_group.command("accept")
@click.argument("nodeid")
@click.option("--reason", required=True, help="why this test may pass without a red run")
@click.pass_context
def accept_command(ctx: click.Context, nodeid: str, reason: str) -> int:
    """Accept a test's current version without a red run, keeping the reason."""
    reason = check_reason(reason)
    piv = project_config(ctx)
    with contextlib.closing(open_store(piv)) as conn:
        digest = ledger.accept(conn, nodeid, reason)
    if digest is None:
        raise UsageError(f"{nodeid}: no recorded run of this test (check the node id)")
    echo_line(f"piv: accepted {nodeid} version {digest[:8]}: {reason}")
    return 0
