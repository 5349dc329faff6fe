"""`batch users`: the users of a batch with their statuses."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

from core.access.roles import command_line_account
from core.api import shapes
from core.cli import arg_types
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
    parser.add_argument("batch_id", type=arg_types.batch_id, metavar="BID", help="the batch id")
    parser.add_argument(
        "--status", metavar="S", help="only users in this status (e.g. Error, Revoked)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the users."""
    from core.batches import members

    rows = members.all_members(uow, command_line_account(), args.batch_id, args.status)
    out = [shapes.member_row(r) for r in rows.iter_rows(named=True)]
    if args.json:
        print_json(out)
        return 0
    print_table([readable(row) for row in out], columns(out))
    return 0


# The members' revoke columns, as the store's page gives them.
REVOKE_COLUMNS = shapes.REVOKE_KEYS
COLUMNS = ("user_id", "username", "email", "status", "error_reason")


def columns(rows: list[dict]) -> list[str]:
    """The table's columns: the revoke columns too when a user was revoked."""
    revoked = any(row.get("revoke_reason") is not None for row in rows)
    return [*COLUMNS, *(REVOKE_COLUMNS if revoked else ())]


def readable(row: dict) -> dict:
    """The row as a table shows it: empty cells for nothing, moments in UTC to the minute."""
    shown = {key: "" if value is None else value for key, value in row.items()}
    if isinstance(row["revoked_at"], datetime):
        shown["revoked_at"] = utc_text(row["revoked_at"])
    return shown
