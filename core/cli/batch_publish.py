"""`batch publish`, `show`, `retry` and `queue`: publishing from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from datetime import datetime

from core import words
from core.access.roles import command_line_account
from core.batches import rules
from core.batches.read_model import read
from core.cli import arg_types, worker_pause
from core.cli.output import print_json, print_table, utc_text
from core.cli.summary import batch_summary, print_summary_json
from core.publishing import actions, batch_report, queue, retry
from core.store.ports import UnitOfWork

# Lines that `--url` mode (core/cli/remote_writes.py) prints in the same words.
# True in both modes: through `--url` the app's publisher does the work; locally it may be the
# app (PostgreSQL, or DuckDB once this command has closed the file) or the worker, if no app runs.
WORKER_NOW = (
    "If the app is running, its publisher does this by itself; otherwise run "
    "`python -m core worker --once` to {what} now."
)
PUBLISH_IT_NOW = WORKER_NOW.format(what="publish it")
PUBLISH_THEM_NOW = WORKER_NOW.format(what="publish them")
USE_ALL = "Use `--all` to queue them again anyway (they fail again unless fixed first)."


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the publishing subcommands to `batch`."""
    p = subparsers.add_parser(
        "publish",
        help="queue a draft (or an edited batch) for publishing",
        description="Queue a batch; `python -m core worker` (or the running app) unlocks it.",
    )
    p.add_argument("batch_id", type=arg_types.batch_id, metavar="BID", help="the batch's id")
    p.add_argument("--json", action="store_true", help="print the batch as JSON afterwards")
    p.set_defaults(handler=cmd_publish)

    s = subparsers.add_parser(
        "show",
        help="show a batch's status, progress and counts",
        description="Show a batch: status (the spec's words, and “· Paused” while paused), "
        "progress 0-100 and users by status (also Revoking and Revoked).",
    )
    s.add_argument("batch_id", type=arg_types.batch_id, metavar="BID", help="the batch's id")
    s.add_argument("--json", action="store_true", help="print JSON for scripts")
    s.set_defaults(handler=cmd_show)

    r = subparsers.add_parser(
        "retry",
        help="requeue the users in Error of a Partially published batch whose error has gone away",
        description=(
            "Retry errors, as the batch page does: the users in “Error” whose error has gone "
            "away (e.g. reactivated) are queued again; those who would fail again as things "
            "stand (still deactivated, deleted, quest archived) stay in “Error”, and how many "
            "and why is printed."
        ),
    )
    r.add_argument("batch_id", type=arg_types.batch_id, metavar="BID", help="the batch's id")
    r.add_argument(
        "--all",
        action="store_true",
        help="queue every user in “Error” again, also those who would fail again",
    )
    r.set_defaults(handler=cmd_retry)

    q = subparsers.add_parser(
        "queue",
        help="list the batches waiting to be or being published, in order",
        description="List the publishing queue: the batch at place 1 is processed first.",
    )
    q.add_argument("--json", action="store_true", help="print JSON for scripts")
    q.set_defaults(handler=cmd_queue)


def cmd_publish(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Queue one batch and say what happened."""
    outcome = actions.publish(uow, command_line_account(), args.batch_id)
    if args.json:
        print_summary_json(uow, args.batch_id)
    else:
        print(outcome.message)
        if outcome.position:
            print(PUBLISH_IT_NOW)
    return 0


def cmd_show(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print one batch's summary."""
    summary = batch_summary(uow, args.batch_id)
    if args.json:
        print_json(summary)
        return 0
    batch = read(uow, args.batch_id)
    position = queue.position(uow, args.batch_id)
    print_show(
        summary,
        # the status word, with its % while running and "· Paused"
        batch.status_label + in_queue(position),
        paused_line(batch.paused_by, batch.paused_at, batch.id) if batch.is_paused else None,
        worker_pause.paused_line(uow) if position else None,
        batch_report.error_reasons(uow, args.batch_id),
    )
    return 0


def in_queue(position: int | None) -> str:
    """The batch's place in the queue, after its status word ("" when not queued)."""
    return f", {queue.ordinal(position)} in the queue" if position else ""


def paused_line(by: str | None, at: datetime | None, batch_id: int) -> str:
    """Say who paused the batch and when, and how to resume it."""
    when = f" at {utc_text(at)}" if at is not None else ""
    return (
        f"{words.PAUSED} by {by or 'someone'}{when}. Resume: "
        f"`python -m core batch resume {batch_id}`."
    )


def print_show(
    summary: dict,
    status: str,
    paused: str | None,
    publisher_paused: str | None,
    reasons: Iterable[tuple[str, int]],
) -> None:
    """Print `batch show`'s text: the summary, its pauses and the error reasons with counts."""
    print(f"Batch {summary['id']}: {summary['name']}")
    print(f"  {words.BADGE}: {summary['badge']}")
    print(f"  {words.QUEST}: {summary['quest']}")
    print(f"  {words.STATUS}: {status}")
    if paused:
        print(f"  {paused}")
    if publisher_paused:  # a queued batch waits for it as much as for its own pause
        print(f"  {publisher_paused}")
    print(f"  Users: {summary['users']:,}")
    width = max(len(k) for k in summary["counts"])
    for word, n in summary["counts"].items():
        print(f"    {word.ljust(width)}  {n:>7,}")
    reasons = list(reasons)
    if reasons:
        print("  Errors:")
        for reason, n in reasons:
            print(f"    {n:>7,}  {reason}")


def cmd_retry(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Requeue a batch's users in Error: only those who can succeed now, unless --all."""
    plan = retry.retry_plan(uow, args.batch_id)
    n = retry.retry_errors(uow, command_line_account(), args.batch_id, only_retryable=not args.all)
    print(retry.queued_again(n))
    if plan.failing and not args.all:
        # The page's words: how many would fail again, why, and what to do about it.
        print(plan.message)
        print(USE_ALL)
    if n:
        print(PUBLISH_THEM_NOW)
    return 0


def cmd_queue(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the queue in processing order."""
    frame = queue.queued_batches(uow)
    rows = [
        {**row, "status": _queue_status(row["status"], row["paused"])}
        for row in frame.iter_rows(named=True)
    ]
    if args.json:
        print_json(rows)
    elif not rows:
        print("The queue is empty: no batch is waiting to be published.")
    else:
        print_table(rows, ["position", "id", "name", "status", "progress", "users", "queued_at"])
    publisher_paused = None if args.json else worker_pause.paused_line(uow)
    if publisher_paused:
        print(publisher_paused)
    return 0


def _queue_status(code: str, paused: bool) -> str:
    """The status word as `batch show --json` gives it: with " · Paused", without the %."""
    if code not in words.BATCH_STATUS:
        return code
    return rules.status_label(code, None, paused)
