"""`batch users`: the users of a batch with their statuses."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

from core import words
from core.access.roles import command_line_account
from core.cli.output import print_json, print_table, utc_text

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork


def register(commands: argparse._SubParsersAction) -> None:
    """Add `batch users`."""
    parser = commands.add_parser(
        "users",
        help="list a batch's users with their statuses",
        description="List the users of a batch with their status (Unpublished, In Progress, "
        "Published, Error, Revoking, Revoked) and, for Error, the reason; for Revoking and "
        "Revoked, the reason of the revoke, who asked for it and when it was done.",
    )
    parser.add_argument("batch_id", type=int, metavar="BID", help="the batch id")
    parser.add_argument(
        "--status", metavar="S", help="only users in this status (e.g. Error, Revoked)"
    )
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
            # Issue 15: why, by whom and when the unlock was revoked (null when it was not).
            **{key: r[key] for key in REVOKE_COLUMNS},
        }
        for r in rows.iter_rows(named=True)
    ]
    if args.json:
        print_json(out)
        return 0
    columns = ["user_id", "username", "email", "status", "error_reason"]
    if any(row["revoke_reason"] is not None for row in out):
        columns += list(REVOKE_COLUMNS)
    print_table([_readable(row) for row in out], columns)
    return 0


# The members' revoke columns, as the store's page gives them.
REVOKE_COLUMNS = ("revoke_reason", "revoked_by", "revoked_at", "kept_by_batch")


def _readable(row: dict) -> dict:
    """The row as a table shows it: empty cells for nothing, moments in UTC to the minute."""
    shown = {key: "" if value is None else value for key, value in row.items()}
    if isinstance(row["revoked_at"], datetime):
        shown["revoked_at"] = utc_text(row["revoked_at"])
    return shown
