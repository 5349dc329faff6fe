"""`python -m core batch list`: the batch history with the page's filters and sort."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core import words
from core.access.roles import command_line_account
from core.api import shapes
from core.batches import rules
from core.cli.output import print_json, print_table
from core.history.dates import DateFilter
from core.history.terms import SORT_COLUMNS, check_tz, parse_id, parse_sort, parse_status
from core.history.view import BatchFilter

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork

EPILOG = """examples:
  python -m core batch list --status Published --status "In Progress"
  python -m core batch list --name spring --created '>' 2026-10-01 --sort name:desc
  python -m core batch list --badge 2 --quest 7 --json

Dates are calendar days in --tz (default UTC): '= 2026-10-01' is that whole day, '>' after it
ends, '<' before it starts. Without --sort the newest batches come first."""


NO_MATCH = "No batch matches these filters."  # `--url` mode (remote_reads.py) says it too


def count_line(n: int) -> str:
    """The line under the table: how many batches it lists."""
    return f"\n{n:,} batch{'es' if n != 1 else ''}"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `batch list`."""
    parser = subparsers.add_parser(
        "list",
        help="list batches, filtered and sorted like the Batch unlock page",
        description="List batches (drafts included: the command line acts as an admin).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--status", action="append", default=[], metavar="S",
        help="a status, as the page words it or as a code (Published, 'In Progress', "
        "in_progress, Draft, Revoked, Paused...); repeat for several",
    )  # fmt: skip
    parser.add_argument("--name", metavar="TEXT", default="", help="part of the batch name")
    parser.add_argument(
        "--quest", action="append", default=[], metavar="QID", help="a badge quest id; repeatable"
    )
    parser.add_argument(
        "--badge", action="append", default=[], metavar="BID",
        help="a badge id (all its quests); repeatable",
    )  # fmt: skip
    for flag, what in (("--created", "created"), ("--updated", "last updated")):
        parser.add_argument(
            flag, nargs=2, metavar=("OP", "DATE"),
            help=f"{what} after (>), before (<) or on (=) a day given as YYYY-MM-DD",
        )  # fmt: skip
    parser.add_argument(
        "--sort", metavar="COLUMN[:desc]",
        help=f"sort on one of {', '.join(SORT_COLUMNS)}; add :desc to reverse",
    )  # fmt: skip
    parser.add_argument("--tz", default="UTC", metavar="ZONE", help="time zone (default: UTC)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=run)


def filter_from_args(args: argparse.Namespace) -> BatchFilter:
    """Build the page's BatchFilter from the command's options (raises InputError)."""
    sort, desc = parse_sort(args.sort) if args.sort else (None, None)
    return BatchFilter(
        statuses=[parse_status(s) for s in args.status],
        name=args.name or "",
        quest_ids=[parse_id(q, "quest") for q in args.quest],
        badge_ids=[parse_id(b, "badge") for b in args.badge],
        created=DateFilter.parse(args.created[1], op=args.created[0]) if args.created else None,
        updated=DateFilter.parse(args.updated[1], op=args.updated[0]) if args.updated else None,
        **({"sort": sort, "desc": desc} if sort else {}),
    )


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the matching batches as a table, or as JSON with --json."""
    from core.history.listing import all_batches

    flt = filter_from_args(args)
    check_tz(args.tz)
    rows = all_batches(uow, command_line_account(), flt, args.tz).to_dicts()
    if args.json:
        print_json([shapes.batch_row(r) for r in rows])
        return 0
    if not rows:
        print(NO_MATCH)
        return 0
    print_table([as_text(r) for r in rows], list(as_text(rows[0])))
    print(count_line(len(rows)))
    return 0


def as_text(row: dict) -> dict:
    """A row of the store's list as the table shows it, under the page's column names."""
    return {
        "ID": row["id"],
        words.TITLE: row["name"],
        words.BADGE: row["badge"] or "",
        words.QUEST: row["quest"] or "",
        words.USERS: f"{row['users']:,}",
        words.CREATED_AT: f"{row['created_at']:%Y-%m-%d %H:%M}",
        words.LAST_UPDATED: f"{row['updated_at']:%Y-%m-%d %H:%M}",
        words.CREATED_BY: row["created_by"],
        words.STATUS: rules.status_label(row["status"], row["progress"], row["paused"]),
    }
