"""`batch publish`, `show`, `retry` and `queue`: publishing from the command line."""

from __future__ import annotations

import argparse

from core import words
from core.access.roles import command_line_account
from core.batches import rules
from core.batches.read_model import Batch, read
from core.cli import worker_pause
from core.cli.output import print_json, print_table, utc_text
from core.cli.summary import batch_summary, print_summary_json
from core.publishing import actions, batch_report, queue, retry
from core.store.ports import UnitOfWork


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the publishing subcommands to `batch`."""
    p = subparsers.add_parser(
        "publish",
        help="queue a draft (or an edited batch) for publishing",
        description="Queue a batch; `python -m core worker` (or the running app) unlocks it.",
    )
    p.add_argument("batch_id", type=int, metavar="BID", help="the batch's id")
    p.add_argument("--json", action="store_true", help="print the batch as JSON afterwards")
    p.set_defaults(handler=cmd_publish)

    s = subparsers.add_parser(
        "show",
        help="show a batch's status, progress and counts",
        description="Show a batch: status (the spec's words, and “· Paused” while paused), "
        "progress 0-100 and users by status (also Revoking and Revoked).",
    )
    s.add_argument("batch_id", type=int, metavar="BID", help="the batch's id")
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
    r.add_argument("batch_id", type=int, metavar="BID", help="the batch's id")
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
            print("Run `python -m core worker --once` to publish it now (stop the app first).")
    return 0


def cmd_show(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print one batch's summary."""
    summary = batch_summary(uow, args.batch_id)
    if args.json:
        print_json(summary)
        return 0
    batch = read(uow, args.batch_id)
    status = batch.status_label  # the status word, with its % while running and "· Paused"
    position = queue.position(uow, args.batch_id)
    if position:
        status += f", {queue.ordinal(position)} in the queue"
    print(f"Batch {summary['id']}: {summary['name']}")
    print(f"  {words.BADGE}: {summary['badge']}")
    print(f"  {words.QUEST}: {summary['quest']}")
    print(f"  {words.STATUS}: {status}")
    if batch.is_paused:
        print(f"  {_paused_since(batch)} Resume: `python -m core batch resume {batch.id}`.")
    publisher_paused = worker_pause.paused_line(uow) if position else None
    if publisher_paused:  # a queued batch waits for it as much as for its own pause
        print(f"  {publisher_paused}")
    print(f"  Users: {summary['users']:,}")
    width = max(len(k) for k in summary["counts"])
    for word, n in summary["counts"].items():
        print(f"    {word.ljust(width)}  {n:>7,}")
    reasons = batch_report.error_reasons(uow, args.batch_id)
    if reasons:
        print("  Errors:")
        for reason, n in reasons:
            print(f"    {n:>7,}  {reason}")
    return 0


def _paused_since(batch: Batch) -> str:
    """Say who paused the batch and when."""
    when = f" at {utc_text(batch.paused_at)}" if batch.paused_at is not None else ""
    return f"{words.PAUSED} by {batch.paused_by or 'someone'}{when}."


def cmd_retry(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Requeue a batch's users in Error: only those who can succeed now, unless --all."""
    plan = retry.retry_plan(uow, args.batch_id)
    n = retry.retry_errors(uow, command_line_account(), args.batch_id, only_retryable=not args.all)
    print(f"{words.count(n, 'user')} in “{words.ERROR}” were queued again.")
    if plan.failing and not args.all:
        # The page's words: how many would fail again, why, and what to do about it.
        print(plan.message)
        print("Use `--all` to queue them again anyway (they fail again unless fixed first).")
    if n:
        print("Run `python -m core worker --once` to publish them now (stop the app first).")
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
