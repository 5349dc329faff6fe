"""`batch cancel`, `batch pause` and `batch resume`: stopping a batch's publishing, or undoing its
place in the queue."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core.access.roles import command_line_account
from core.cli import arg_types
from core.cli.summary import print_summary_json

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork

# Each command: (help, description). Their words say what happens, as the confirmations do.
_COMMANDS = {
    "cancel": (
        "take a queued (Unpublished) batch out of the queue: it becomes a draft again",
        "Cancel publishing a batch that is “Unpublished” (queued, nobody unlocked yet): it goes "
        "back to a draft its creator (and admins) can edit, publish again or delete, and its "
        "place in the queue is freed. A batch already “In Progress” cannot be cancelled, only "
        "paused.",
    ),
    "pause": (
        "stop publishing (or revoking) a running batch until it is resumed",
        "Pause an “In Progress” or “Revoking” batch: the publisher finishes the chunk it is in "
        "and takes no more of its users until `batch resume`; other batches keep going, and the "
        "batch keeps its place in the queue (also across restarts). On PostgreSQL this takes "
        "effect within a chunk beside running workers and apps; a DuckDB data file cannot be "
        "shared with a running app: pause in the app there.",
    ),
    "resume": (
        "go on publishing (or revoking) a paused batch",
        "Resume a paused batch: the publisher takes its users again, in its place in the queue.",
    ),
}


# Said when a running app holds the DuckDB file (the CLI cannot open it beside the app).
WHEN_LOCKED = "While the app runs, pause, resume or cancel the batch on its page in the app."


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add cancel, pause and resume to `batch`."""
    for name, (help_text, description) in _COMMANDS.items():
        p = subparsers.add_parser(name, help=help_text, description=description)
        p.add_argument("batch_id", type=arg_types.batch_id, metavar="BID", help="the batch's id")
        p.add_argument("--json", action="store_true", help="print the batch as JSON afterwards")
        p.set_defaults(handler=run, undo_action=name, when_locked=WHEN_LOCKED)


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Cancel, pause or resume the batch and say what happened."""
    from core.publishing import undo

    act = {"cancel": undo.cancel, "pause": undo.pause, "resume": undo.resume}[args.undo_action]
    outcome = act(uow, command_line_account(), args.batch_id)
    if args.json:
        print_summary_json(uow, args.batch_id)
    else:
        print(outcome.message)
    return 0
