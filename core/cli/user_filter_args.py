"""The Users page's filters as command-line options, shared by `users list|count` and
`batch add|create --from-users`.

Only argparse here at import time: the filter value (core.segments.user_filter) loads
polars, so `filter_from_args` imports it when a command runs (tests/unit/test_cli_imports.py).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core import words
from core.errors import InputError

if TYPE_CHECKING:
    from core.segments.user_filter import UserFilter

# The sort columns of core.segments.user_filter.USER_SORTS (a test keeps them equal):
# named here for the help text, which must not load polars.
SORTS = ("id", "username", "email", "registered_at", "last_active_at", "quests_held")

FILTERS_HELP = """Filters combine: a user must meet every one given. Dates are calendar days
in --tz (default UTC), given as OP DAY: '>' 2026-10-01 is after that day ends,
'<' before it starts, '=' during it. A user never active matches no --last-active."""


def add_filter_args(parser: argparse.ArgumentParser) -> None:
    """Add the user filters and --tz to a command's parser."""
    group = parser.add_argument_group("user filters", FILTERS_HELP)
    group.add_argument(
        "--text", metavar="T", default="",
        help="username or email contains T (case-insensitive)",
    )  # fmt: skip
    group.add_argument(
        "--id", action="append", default=[], metavar="ID", dest="ids",
        help="one of these User IDs; repeatable, or several in one: --id 12,15,18",
    )  # fmt: skip
    group.add_argument(
        "--active", metavar="yes|no",
        help="yes: active users only; no: deactivated users only (default: both)",
    )  # fmt: skip
    group.add_argument(
        "--registered", nargs=2, metavar=("OP", "DATE"),
        help="registered after (>), before (<) or on (=) a day given as YYYY-MM-DD",
    )  # fmt: skip
    group.add_argument(
        "--last-active", nargs=2, metavar=("OP", "DATE"),
        help="last active after (>), before (<) or on (=) a day given as YYYY-MM-DD",
    )  # fmt: skip
    group.add_argument(
        "--holds", action="append", default=[], metavar="QID",
        help="holds this badge quest (repeat: holds any of them)",
    )  # fmt: skip
    group.add_argument(
        "--lacks", action="append", default=[], metavar="QID",
        help="does not hold this badge quest (repeat: holds none of them)",
    )  # fmt: skip
    group.add_argument("--in-batch", metavar="BID", help="is in this batch")
    group.add_argument(
        "--in-batch-status", metavar="STATUS",
        help="with --in-batch: has this status in that batch, as a word or a code ("
        + ", ".join(words.USER_STATUS.values()) + ")",
    )  # fmt: skip
    group.add_argument("--not-in-batch", metavar="BID", help="is not in this batch")
    group.add_argument(
        "--tz", default="UTC", metavar="ZONE",
        help="the time zone of the dates, e.g. Europe/Paris (default: UTC)",
    )  # fmt: skip


def filter_from_args(args: argparse.Namespace, **values: object) -> UserFilter:
    """Build the page's UserFilter from the options (raises InputError); `values` add to it."""
    from core.history.dates import DateFilter
    from core.history.terms import check_tz
    from core.segments.user_filter import UserFilter, parse_id_list

    check_tz(args.tz)
    if args.in_batch_status is not None and args.in_batch is None:
        # The command line's own words: UserFilter's name the page's widgets.
        raise InputError("--in-batch-status needs a batch: add --in-batch BID, or leave it out.")
    return UserFilter(
        text=args.text or "",
        ids=sorted({i for given in args.ids for i in parse_id_list(given)}),
        active=args.active,
        registered=DateFilter.parse(args.registered[1], op=args.registered[0])
        if args.registered
        else None,
        last_active=DateFilter.parse(args.last_active[1], op=args.last_active[0])
        if args.last_active
        else None,
        holds=args.holds,
        lacks=args.lacks,
        in_batch=args.in_batch,
        in_batch_status=args.in_batch_status,
        not_in_batch=args.not_in_batch,
        **values,
    )


def any_filter_given(args: argparse.Namespace) -> bool:
    """Tell whether the command line named any user filter (--tz aside)."""
    return bool(
        args.text
        or args.ids
        or args.active is not None
        or args.registered
        or args.last_active
        or args.holds
        or args.lacks
        or args.in_batch is not None
        or args.in_batch_status is not None
        or args.not_in_batch is not None
    )
