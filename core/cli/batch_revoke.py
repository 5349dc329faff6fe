"""`batch revoke`: take back the unlocks a finished batch made, for all its users or chosen ones."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from core import words
from core.access.roles import command_line_account
from core.cli import arg_types
from core.cli.batch_publish import WORKER_NOW
from core.cli.output import print_json, print_table
from core.errors import InputError
from core.platform_users import ids

if TYPE_CHECKING:
    from core.publishing import revoking
    from core.store.ports import UnitOfWork

# The preview's counts as `--json` gives them, in the order.
COUNT_KEYS = ("revoke", "not_in_batch", "not_unlocked_by_this_batch", "kept_from_other_batch")
# The preview's categories, in the order the text prints them, with their words.
CATEGORIES = {
    "revoke": "Will be revoked",
    "kept_from_other_batch": "Keep it (they hold it from another batch)",
    "not_unlocked_by_this_batch": "Not unlocked by this batch",
    "not_in_batch": "Not in the batch",
}
# Words that `--url` mode (core/cli/remote_writes.py) gives too.
REASON_REQUIRED = "Say why: --reason TEXT is required (it is kept with each revoked user)."
REVOKE_THEM_NOW = WORKER_NOW.format(what="revoke them")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `batch revoke`."""
    p = subparsers.add_parser(
        "revoke",
        help="revoke the unlocks a Published or Partially published batch made",
        description=(
            "Revoke what a finished batch unlocked, for all its users (--all), chosen User IDs "
            "(--user, repeated; or one Username) or a CSV/.xlsx in the template format (--csv, "
            "matched like an upload). Only unlocks this batch made are revoked: a user who also "
            "holds the quest from another batch keeps it. Users are set “Revoking” at once and "
            "the publisher (`python -m core worker`, or the running app) revokes them in "
            "crash-safe chunks. --dry-run prints what would happen, and why, changing nothing."
        ),
        epilog="Example: python -m core batch revoke 12 --csv wrong.csv "
        "--reason 'Awarded by mistake' --dry-run",
    )
    p.add_argument("batch_id", type=arg_types.batch_id, metavar="BID", help="the batch's id")
    p.add_argument(
        "--reason", metavar="TEXT", help="why (required, 1-500 characters; kept with each user)"
    )
    whom = p.add_mutually_exclusive_group(required=True)
    whom.add_argument(
        "--user",
        action="append",
        default=None,
        metavar="ID",
        help="a User ID to revoke (repeat for several; one Username also works)",
    )
    whom.add_argument("--csv", metavar="FILE", help="a .csv or .xlsx user list")
    whom.add_argument("--all", action="store_true", help="every user of the batch")
    p.add_argument(
        "--dry-run", action="store_true", help="print the preview only: nothing is changed"
    )
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(
        handler=run,
        when_locked="While the app runs, revoke from the batch's page in the app.",
    )


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Preview the revoke, or request it, and print the outcome."""
    from core.publishing import revoking

    whom = target(args)
    actor = command_line_account()
    if args.dry_run:
        preview = revoking.preview_revoke(uow, actor, args.batch_id, whom)
        print_preview(preview, args.json, has_reason=args.reason is not None)
        return 0
    if args.reason is None:
        raise InputError(REASON_REQUIRED)
    outcome = revoking.revoke(uow, actor, args.batch_id, whom, args.reason)
    if args.json:
        print_json(
            {
                "id": outcome.batch_id,
                "dry_run": False,
                "requested": outcome.requested,
                "kept": outcome.kept,
                "status": words.BATCH_STATUS.get(outcome.status, outcome.status),
                "message": outcome.message,
            }
        )
    else:
        print(outcome.message)
        print(REVOKE_THEM_NOW)
    return 0


def target(args: argparse.Namespace) -> revoking.RevokeTarget:
    """Whom to revoke, from --all, --csv or --user (argparse allows exactly one of them)."""
    from core.publishing.revoking import RevokeTarget

    if args.all:
        return RevokeTarget(all_users=True)
    if args.csv is not None:
        from core.upload.intake import read_upload_file

        return RevokeTarget(upload=read_upload_file(args.csv))
    given = [text.strip() for text in args.user]
    if len(given) == 1 and not _is_user_id(given[0]):
        return RevokeTarget(lookup=given[0])  # one Username, as the "Single" tool takes it
    wrong = [text for text in given if not _is_user_id(text)]
    if wrong:
        raise InputError(
            f"--user takes a User ID (a whole number); {wrong[0]!r} is not one "
            "(a Username works only alone)."
        )
    return RevokeTarget(user_ids=tuple(dict.fromkeys(int(text) for text in given)))


def _is_user_id(text: str) -> bool:
    """Tell whether the text is a User ID by the one shared rule."""
    return re.fullmatch(ids.ID_PATTERN, text) is not None


def print_preview(preview: revoking.RevokePreview, as_json: bool, has_reason: bool) -> None:
    """Print the counts, the question and the users who will not be revoked, and why."""
    details = [
        {key: row[key] for key in ("row", "user_id", "username", "category", "message")}
        for row in preview.details.iter_rows(named=True)
    ]
    if as_json:
        print_json(
            {
                "id": preview.batch_id,
                "name": preview.batch_name,
                "quest": preview.quest_label,
                "dry_run": True,
                **{key: preview.counts[key] for key in COUNT_KEYS},
                "question": preview.question,
                "details": details,
            }
        )
        return
    print(f"Batch {preview.batch_id}: {preview.batch_name} ({preview.quest_label})")
    width = max(len(text) for text in CATEGORIES.values())
    for key, text in CATEGORIES.items():
        print(f"  {text.ljust(width)}  {preview.counts[key]:>7,}")
    print(preview.question)
    # A merged duplicate row is listed too, so the table and the counts add up to the file.
    others = [
        row
        for row in details
        if row["category"] != "revoke" or row["message"] == words.MSG_DUPLICATE
    ]
    if others:
        print("Not revoked (or merged), and why:")
        print_table(
            [{k: "" if v is None else v for k, v in row.items()} for row in others],
            ["row", "user_id", "username", "message"],
        )
    then = (
        "run it again without --dry-run" if has_reason else "give --reason TEXT without --dry-run"
    )
    print(f"Nothing was changed (dry run). To revoke, {then}.")
