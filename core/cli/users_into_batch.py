"""`batch create|add --from-users`: the users the Users page's filters match, into batches.

Kept apart from core/cli/batch_create.py (which parses and handles files and IDs); imported by it
at the top, so this module too imports polars and the domain only inside its functions.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from core.access.roles import command_line_account
from core.cli.output import print_json
from core.cli.user_filter_args import filter_from_args
from core.errors import InputError

if TYPE_CHECKING:
    from core.batches.add_file import AddResult
    from core.segments import from_users
    from core.store.ports import UnitOfWork


def add(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """`batch add BID --from-users`: the matching users into the batch, with the upload's report."""
    from core.segments import from_users

    flt = filter_from_args(args)
    try:
        result = from_users.add_matching(uow, command_line_account(), args.batch_id, flt, args.tz)
    except from_users.TooManyUsers as exc:
        raise InputError(_split_hint(exc, "use batch create --from-users --split")) from None
    if args.json:
        print_json(_result_json(result))
    else:
        print(result.message)
    return 0


def create(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """`batch create --from-users [--split]`: a new draft (or drafts) of the matching users."""
    from core.segments import from_users

    flt = filter_from_args(args)
    actor = command_line_account()
    if args.split:
        results = from_users.split_into_drafts(uow, actor, args.name, args.quest, flt, args.tz)
    else:
        try:
            results = [
                from_users.create_from_users(uow, actor, args.name, args.quest, flt, args.tz)
            ]
        except from_users.TooManyUsers as exc:
            raise InputError(_split_hint(exc, "add --split")) from None
    if args.json:
        shaped = [_result_json(r) for r in results]
        print_json({"batches": shaped} if args.split else shaped[0])
    else:
        for r in results:
            print(r.batch_id)
    # stdout is only the ids (as without --from-users): the reports go to stderr.
    for r in results:
        print(f"Batch {r.batch_id}: {r.message}", file=sys.stderr)
    return 0


def _split_hint(exc: from_users.TooManyUsers, how: str) -> str:
    """The refusal, and how the command line splits when the domain offers a split."""
    message = str(exc)
    if exc.can_split:
        message += f" To split them, {how}."
    return message


def _result_json(result: AddResult) -> dict:
    """A from-users result for scripts: the batch, how many were added, the count per row status."""
    from core.batches.row_status import STATUSES

    counts = result.preview.counts
    return {
        "id": result.batch_id,
        "added": result.added,
        "matched": result.preview.n_rows,
        **{status: counts.get(status, 0) for status in STATUSES},
    }
