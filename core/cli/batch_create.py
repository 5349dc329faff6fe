"""`batch create` and `batch add`: build a draft from files and User IDs, or from the users the
Users page's filters match (--from-users)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from core.access.roles import command_line_account
from core.batches.rules import MAX_USERS_PER_BATCH
from core.cli import arg_types, users_into_batch
from core.cli.output import print_json
from core.cli.user_filter_args import add_filter_args, any_filter_given
from core.errors import InputError

if TYPE_CHECKING:
    from core.batches import cli_fill
    from core.store.ports import UnitOfWork

_RULES = (
    "Files are read like the upload dialog reads them (CSV or .xlsx with the columns ID, "
    "Username and/or Registered email); their rows that are not found, mismatched, duplicated, "
    "already in the batch, already unlocked or deactivated are skipped and reported. A --user "
    f"that cannot be added, or a file that would put more than {MAX_USERS_PER_BATCH:,} users "
    "in the batch, "
    "refuses the whole command: nothing is changed."
)
_FROM_USERS = (
    "--from-users adds every platform user the filters match instead (as `users list` finds "
    "them), through the same rules and report as a file: users already in the batch, already "
    "holding the quest or deactivated are counted, not added. More matching users than a batch "
    f"holds ({MAX_USERS_PER_BATCH:,}) refuse the whole command"
)


# Refusals and lines that `--url` mode (core/cli/remote_writes.py) gives in the same words.
SPLIT_NEEDS_FROM_USERS = "--split splits the users of --from-users: add --from-users and filters."
SAY_WHAT_TO_ADD = (
    "Say what to add: give at least one --csv FILE or --user ID, or --from-users with filters."
)
FILTERS_NEED_FROM_USERS = "User filters choose users only with --from-users: add it."


def added_line(n: int, batch_id: int) -> str:
    """How many users went into the batch."""
    return f"{n:,} user{'s' if n != 1 else ''} added to batch {batch_id}."


def file_line(filename: str, added: int, skipped: Iterable[tuple[str, list[int]]]) -> str:
    """A file's report: how many were added, then the rows not added, grouped by status."""
    line = f"{filename}: {added:,} added"
    parts = []
    for status, rows in skipped:
        shown = ", ".join(map(str, rows[:10])) + (", …" if len(rows) > 10 else "")
        parts.append(f"{status} (row{'s' if len(rows) > 1 else ''} {shown})")
    return line + ("; not added: " + "; ".join(parts) if parts else "")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the create and add subcommands to `batch`."""
    create = subparsers.add_parser(
        "create",
        help="create a draft batch for a badge quest, optionally with users",
        description=_paragraphs(
            "Create a draft batch and print its id.",
            _RULES,
            f"{_FROM_USERS}, unless --split makes as many drafts as they need.",
        ),
        epilog="Examples: python -m core batch create --name 'Hackathon winners' --quest 3 "
        "--csv winners.csv --user 1042\n"
        "  python -m core batch create --name 'Explorers' --quest 5 --from-users --holds 3 "
        "--lacks 5 --active yes --split",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument("--name", required=True, help="the batch's name")
    create.add_argument(
        "--quest", type=int, required=True, metavar="QID", help="the badge quest to unlock"
    )
    _user_options(create)
    create.add_argument(
        "--split", action="store_true",
        help=f"with --from-users: when more than {MAX_USERS_PER_BATCH:,} users match, create the "
        "fewest drafts of at most that many, named 'NAME (1 of 3)', …, users in User ID order, "
        "and print each id",
    )  # fmt: skip
    create.add_argument(
        "--json", action="store_true",
        help='print {"id": …} instead of the id (with --split: {"batches": [{"id": …}, …]})',
    )  # fmt: skip
    create.set_defaults(handler=run_create)

    add = subparsers.add_parser(
        "add",
        help="add users to a draft or a Published (or revoked) batch from files and User IDs",
        description=_paragraphs(
            "Add users to a batch. A Published, Revoked or Partially revoked batch is queued "
            "again for its new users (a revoked user of the batch can be added again); other "
            "statuses cannot take users.",
            _RULES,
            f"{_FROM_USERS}.",
        ),
        epilog="Examples: python -m core batch add 12 --csv more.csv --user 77\n"
        "  python -m core batch add 12 --from-users --in-batch 9 --in-batch-status Error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument("batch_id", type=arg_types.batch_id, metavar="BID", help="the batch's id")
    _user_options(add)
    add.add_argument("--json", action="store_true", help="print what was added as JSON")
    add.set_defaults(handler=run_add)


def _paragraphs(*texts: str) -> str:
    """Paragraphs wrapped for --help (its formatter keeps the examples' lines as written)."""
    return "\n\n".join(textwrap.fill(text, 88) for text in texts)


def _user_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--csv",
        action="append",
        default=[],
        metavar="FILE",
        help="a .csv or .xlsx user list (repeat for several files)",
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="ID",
        help="a User ID to add (repeat for several users)",
    )
    parser.add_argument(
        "--from-users", action="store_true",
        help="add the platform users the user filters below match (not with --csv or --user)",
    )  # fmt: skip
    add_filter_args(parser)


def run_create(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Create the draft, add the users, print the id."""
    if _from_users(args):
        return users_into_batch.create(args, uow)
    if args.split:
        raise InputError(SPLIT_NEEDS_FROM_USERS)
    from core.batches import cli_fill
    from core.upload.intake import read_upload_file

    uploads = [read_upload_file(path) for path in args.csv]
    result = cli_fill.create_batch(
        uow, command_line_account(), args.name, args.quest, uploads, args.user, added_via="cli"
    )
    if args.json:
        print_json({"id": result.batch_id})
    else:
        print(result.batch_id)
    _report(result)
    return 0


def run_add(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Add the users and say how many went in."""
    if _from_users(args):
        return users_into_batch.add(args, uow)
    if not args.csv and not args.user:
        raise InputError(SAY_WHAT_TO_ADD)
    from core.batches import cli_fill
    from core.upload.intake import read_upload_file

    uploads = [read_upload_file(path) for path in args.csv]
    result = cli_fill.add_to_batch(
        uow, command_line_account(), args.batch_id, uploads, args.user, added_via="cli"
    )
    if args.json:
        print_json(
            {
                "id": result.batch_id,
                "added": result.added,
                "files": [
                    {"file": f.preview.filename, "added": f.added, **f.preview.counts}
                    for f in result.files
                ],
                "users": [u.user_id for u in result.users],
            }
        )
    else:
        print(added_line(result.added, result.batch_id))
        _report(result, sys.stdout)
    return 0


def _report(result: cli_fill.FillResult, out: TextIO | None = None) -> None:
    """Say per file what was skipped (on stderr for `create`, whose stdout is only the id)."""
    out = out or sys.stderr
    for f in result.files:
        skipped = f.preview.error_rows().group_by("status", maintain_order=True).agg("row")
        print(file_line(f.preview.filename, f.added, skipped.iter_rows()), file=out)
    for u in result.users:
        print(u.message, file=out)


def _from_users(args: argparse.Namespace) -> bool:
    """Tell whether the users come from the filters; refuse filters mixed up with other sources."""
    if not args.from_users:
        if any_filter_given(args):
            raise InputError(FILTERS_NEED_FROM_USERS)
        return False
    if args.csv or args.user:
        raise InputError("Give either --from-users with filters, or --csv and --user: not both.")
    return True
