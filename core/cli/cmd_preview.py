"""`preview`: the same preview as the upload dialog, for a file on disk."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from core.batches.rules import MAX_USERS_PER_BATCH
from core.cli.output import print_json, print_table
from core.upload.limits import names_text

if TYPE_CHECKING:
    from core.batches.preview import Preview
    from core.store.ports import UnitOfWork


def register(commands: argparse._SubParsersAction) -> None:
    """Add the preview command."""
    parser = commands.add_parser(
        "preview",
        help="show which rows of a user list would be added to a batch, and why not the others",
        description="Read a user list (CSV in UTF-8, UTF-16 or Windows-1252, separated by ; , "
        "or tab, or an .xlsx workbook) with at least one of the columns ID, Username and "
        "Registered email, and give each non-blank row a status: ok, not_found, mismatch, "
        "duplicate, already_in_batch, already_unlocked or inactive. Nothing is changed. "
        f"A file that cannot be used, or that would put more than {MAX_USERS_PER_BATCH:,} users "
        "in the batch, exits with status 2 and says why on stderr (the preview is still printed "
        "in the second case).",
        epilog="Example: python -m core preview --quest 3 --batch 12 users.csv --json",
    )
    parser.add_argument("file", metavar="FILE", help="the .csv or .xlsx file")
    parser.add_argument(
        "--quest", type=int, required=True, metavar="QID", help="the badge quest to unlock"
    )
    parser.add_argument(
        "--batch",
        type=int,
        metavar="BID",
        help="the batch the users would join (finds users already in it and checks the limit)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: rows, a count per status, users_to_add, limit, over_limit, "
        "ignored_columns and details (row, status, message, user_id per row)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the preview of one file."""
    from core.batches import matching
    from core.upload.intake import read_upload_file

    upload = read_upload_file(args.file)
    result = matching.preview(uow, upload, args.quest, args.batch)
    if args.json:
        print_json(result.as_dict())
    else:
        print_preview(result)
    if result.over_limit:
        print(result.limit_message, file=sys.stderr)
        return 2
    return 0


def print_preview(result: Preview) -> None:
    """Print a preview for people: the totals, then every row that will not be added."""
    errors = result.n_errors
    print(
        f"{result.filename}: {result.n_rows:,} row{'s' if result.n_rows != 1 else ''}, "
        f"{result.users_to_add:,} will be added, {errors:,} contain{'s' if errors == 1 else ''} "
        "errors."
    )
    counts = ", ".join(f"{status} {n:,}" for status, n in result.counts.items() if n)
    print(f"  {counts}")
    if result.ignored_columns:
        print(f"  ignored columns: {names_text(result.ignored_columns)}")  # --json lists all
    rows = result.error_rows().select("row", "status", "message", "user_id").to_dicts()
    if rows:
        print()
        print_table(
            [{k: ("" if v is None else v) for k, v in row.items()} for row in rows],
            ["row", "status", "message", "user_id"],
        )
