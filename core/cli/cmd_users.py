"""`python -m core users list|count`: the Users page's list, filtered and sorted, for scripts."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from core import words
from core.access.roles import command_line_account
from core.api import shapes
from core.cli.output import print_json, print_table
from core.cli.user_filter_args import SORTS, add_filter_args, filter_from_args

if TYPE_CHECKING:
    from datetime import datetime

    from core.store.ports import UnitOfWork

DEFAULT_LIMIT = 50
MAX_LIMIT = 100_000  # core.segments.segment.MAX_EXPORT_ROWS, named here without polars
JSON_KEYS = shapes.USER_KEYS

NO_MATCH = "No user matches these filters."  # `--url` mode (remote_reads.py) says it too

LIST_EPILOG = """examples:
  python -m core users list --holds 3 --lacks 5 --active yes
  python -m core users list --registered '>' 2026-01-01 --sort registered_at --json
  python -m core users list --in-batch 48 --in-batch-status Error --csv > retry.csv

Without --sort users come in User ID order; registered_at, last_active_at and quests_held sort
newest or most first unless :asc is added. --csv prints the file the Users page's "Export for
batch upload" gives (ID;Username;Registered email, UTF-8 with BOM), ready for `batch add --csv`."""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `users list` and `users count`."""
    users = commands.add_parser(
        "users",
        help="list or count platform users, filtered like the Users page",
        description="Find the platform users who meet some criteria, as the Users page does.",
    )
    sub = users.add_subparsers(dest="users_command", metavar="SUBCOMMAND", required=True)

    listing = sub.add_parser(
        "list",
        help="list the matching users (or print them as the upload template with --csv)",
        description="List the platform users who match the filters.",
        epilog=LIST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_filter_args(listing)
    listing.add_argument(
        "--sort", metavar="COLUMN[:desc]",
        help=f"sort on one of {', '.join(SORTS)}; add :desc or :asc to choose the direction",
    )  # fmt: skip
    listing.add_argument(
        "--limit", metavar="N",
        help=f"print at most N users (default {DEFAULT_LIMIT}; with --csv every match), at most "
        f"{MAX_LIMIT:,}",
    )  # fmt: skip
    shape = listing.add_mutually_exclusive_group()
    shape.add_argument(
        "--json", action="store_true",
        help="print a JSON list of objects with the keys " + ", ".join(JSON_KEYS),
    )  # fmt: skip
    shape.add_argument(
        "--csv", action="store_true",
        help="print the matching users as the batch upload template, exactly as the Users page "
        "exports them",
    )  # fmt: skip
    listing.set_defaults(handler=run_list)

    counting = sub.add_parser(
        "count",
        help="count the matching users",
        description="Count the platform users who match the filters.",
        epilog="example: python -m core users count --holds 3 --active yes --json  "
        '(prints {"count": N})',
    )
    add_filter_args(counting)
    counting.add_argument("--json", action="store_true", help='print {"count": N}')
    counting.set_defaults(handler=run_count)


def run_list(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the matching users as a table, as JSON, or as the upload template."""
    from core.segments import segment

    flt = filter_from_args(args, **sort_from_args(args))
    actor = command_line_account()
    limit = limit_from_args(args)
    if args.csv:
        # Every match, as the page exports it (refused over MAX_LIMIT), or the first --limit.
        data = segment.export_template(uow, actor, flt, args.tz, limit=limit)
        sys.stdout.flush()  # nothing printed before the bytes may come after them
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    page = segment.list_users(uow, actor, flt, args.tz, limit or DEFAULT_LIMIT)
    rows = page.rows.to_dicts()
    if args.json:
        print_json([shapes.user_row(row) for row in rows])
        return 0
    if not rows:
        print(NO_MATCH)
        return 0
    table = [as_text(row, args.tz) for row in rows]
    print_table(table, list(table[0]))
    print(total_line(len(rows), page.total))
    return 0


def run_count(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print how many users match."""
    from core.segments import segment

    n = segment.count_users(uow, command_line_account(), filter_from_args(args), args.tz)
    if args.json:
        print_json({"count": n})
    else:
        print(words.count(n, "user"))
    return 0


def sort_from_args(args: argparse.Namespace) -> dict:
    """--sort as the filter's sort and direction (raises InputError), or {} without it."""
    from core.segments.user_filter import parse_user_sort

    return dict(zip(("sort", "desc"), parse_user_sort(args.sort), strict=True)) if args.sort else {}


def limit_from_args(args: argparse.Namespace) -> int | None:
    """--limit, checked (raises InputError), or None without it."""
    from core.history.terms import parse_positive

    return None if args.limit is None else parse_positive(args.limit, "limit", MAX_LIMIT)


def total_line(shown: int, total: int) -> str:
    """The line under the table: how many users match, and how many of them it shows."""
    of = f"{shown:,} of " if shown < total else ""
    return f"\n{of}{words.count(total, 'user')}"


def as_text(row: dict, tz: str) -> dict:
    """A user row as the table shows it, under the Users page's column names."""
    return {
        words.COL_ID: row["id"],
        words.COL_USERNAME: row["username"],
        words.COL_EMAIL: row["email"],
        words.ACTIVE: "yes" if row["active"] else "no",
        words.REGISTERED_AT: _local(row["registered_at"], tz),
        words.LAST_ACTIVE_AT: _local(row["last_active_at"], tz),
        words.QUESTS_HELD: f"{row['quests_held']:,}",
    }


def _local(moment: datetime | None, tz: str) -> str:
    """A moment as a day and time in the viewer's zone ("" for none: never active, unknown)."""
    if moment is None:
        return ""
    from zoneinfo import ZoneInfo

    return f"{moment.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}"
