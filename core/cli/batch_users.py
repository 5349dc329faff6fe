"""`batch users`: the users of a batch with their statuses."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core import words
from core.access.roles import command_line_account
from core.cli.output import print_json, print_table

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork


def register(commands: argparse._SubParsersAction) -> None:
    """Add `batch users`."""
    parser = commands.add_parser(
        "users",
        help="list a batch's users with their statuses",
        description="List the users of a batch with their status (Unpublished, In Progress, "
        "Published, Error) and, for Error, the reason.",
    )
    parser.add_argument("batch_id", type=int, metavar="BID", help="the batch id")
    parser.add_argument("--status", metavar="S", help="only users in this status (e.g. Error)")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the users."""
    from core.batches import members

    rows = members.all_members(uow, command_line_account(), args.batch_id, args.status)
    out = [
        {
            "user_id": r["user_id"],
            "username": r["username"],
            "email": r["email"],
            "status": words.USER_STATUS.get(r["status"], r["status"]),
            "error_reason": r["error_reason"],
            "added_via": r["added_via"],
            "added_at": r["added_at"],
        }
        for r in rows.iter_rows(named=True)
    ]
    if args.json:
        print_json(out)
    else:
        print_table(out, ["user_id", "username", "email", "status", "error_reason"])
    return 0
