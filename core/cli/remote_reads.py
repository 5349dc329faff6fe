"""`--url` reads: `quests`, `batch list|show|users` and `users list|count` through the API.

Each checks its options as the local command does (the same refusals, before any request), pages
through the API's lists and prints with the local command's own printers.
"""

from __future__ import annotations

import argparse

from core import words
from core.api import shapes
from core.cli import remote_json
from core.cli.output import print_json, print_table
from core.cli.remote import Client
from core.errors import InputError

MEMBERS_PER_PAGE = 5_000  # a batch's users in one page (the API's bound, a batch's limit)
USERS_PER_PAGE = 500  # the API's bound for GET /users


def quests(args: argparse.Namespace, api: Client) -> int:
    """`quests`: the quests as the store lists them."""
    rows = [shapes.quest_row(row) for row in api.get("/quests")["items"]]
    if args.json:
        print_json(rows)
    else:
        print_table(rows, list(shapes.QUEST_KEYS))
    return 0


def batch_list(args: argparse.Namespace, api: Client) -> int:
    """`batch list`: every page of the list, printed as locally."""
    from core.cli import batch_list as local
    from core.history.terms import check_tz

    local.filter_from_args(args)  # the same refusals, in the same words, before any request
    check_tz(args.tz)
    query = {
        "status": args.status,
        "name": args.name or None,
        "quest": args.quest,
        "badge": args.badge,
        "created": remote_json.day_filter(args.created),
        "updated": remote_json.day_filter(args.updated),
        "sort": args.sort,
        "tz": args.tz,
    }
    items = [
        remote_json.in_zone(item, ("created_at", "updated_at"), args.tz)
        for item in api.pages("/batches", query)
    ]
    if args.json:
        print_json([{key: item[key] for key in LIST_KEYS} for item in items])
        return 0
    if not items:
        print(local.NO_MATCH)
        return 0
    table = [local.as_text(_list_row(item)) for item in items]
    print_table(table, list(table[0]))
    print(local.count_line(len(items)))
    return 0


# The keys of `batch list --json` rows (core/cli/batch_list.py).
LIST_KEYS = (
    "id", "name", "badge", "quest", "status", "progress", "paused", "users", "counts",
    "created_at", "updated_at",
)  # fmt: skip


def _list_row(item: dict) -> dict:
    """A list item as batch_list's text rendering reads a row of the store's list."""
    return {
        **remote_json.timed(item, ("created_at", "updated_at")),
        "status": remote_json.status_code(item["status"]),
        "created_by": item.get("created_by", ""),
    }


def batch_show(args: argparse.Namespace, api: Client) -> int:
    """`batch show`: the batch, and for people its queue place, pause and error reasons."""
    batch = api.get(f"/batches/{args.batch_id}")
    if args.json:
        print_json(remote_json.shown(batch))
        return 0
    _print_show(batch)
    return 0


def _print_show(batch: dict) -> None:
    """Print the batch as local `batch show` does, from the API's batch object."""
    from core.batches import rules
    from core.cli import batch_publish as local

    code = remote_json.status_code(batch["status"])
    status = (
        rules.status_label(code, batch["progress"], batch["paused"])
        if code in words.BATCH_STATUS
        else batch["status"]
    )
    position = batch.get("queue_position")
    paused_at = remote_json.moment(batch.get("paused_at"))
    local.print_show(
        batch,
        status + local.in_queue(position),
        local.paused_line(batch.get("paused_by"), paused_at, batch["id"])
        if batch["paused"]
        else None,
        batch.get("publisher_paused") if position else None,
        [(r["reason"], r["users"]) for r in batch.get("error_reasons") or []],
    )


def batch_users(args: argparse.Namespace, api: Client) -> int:
    """`batch users`: every user of the batch, printed as locally."""
    from core.cli import batch_users as local

    query = {"status": args.status}
    rows = list(api.pages(f"/batches/{args.batch_id}/users", query, per_page=MEMBERS_PER_PAGE))
    if args.json:
        print_json(rows)
        return 0
    columns = local.columns(rows)
    timed = [{**row, "revoked_at": remote_json.moment(row.get("revoked_at"))} for row in rows]
    print_table([local.readable(row) for row in timed], columns)
    return 0


def users_list(args: argparse.Namespace, api: Client) -> int:
    """`users list`: the first --limit matching users, printed as locally."""
    from core.cli import cmd_users as local

    if args.csv:
        raise InputError(
            "`users list --csv` does not run with --url: use the Users page's “Export for batch "
            "upload”, or run it where the store is."
        )
    _user_filter(args, local.sort_from_args(args))
    limit = local.limit_from_args(args) or local.DEFAULT_LIMIT
    rows: list[dict] = []
    total = 0
    query = {**_users_query(args), "sort": args.sort, "per_page": min(limit, USERS_PER_PAGE)}
    page = 1
    while len(rows) < limit:
        answer = api.get("/users", {**query, "page": page})
        total = answer["total"]
        rows += answer["items"][: limit - len(rows)]
        # A page past the end answers no items.
        if not answer["items"] or len(rows) >= total:
            break
        page += 1
    rows = [remote_json.in_zone(row, ("registered_at", "last_active_at"), args.tz) for row in rows]
    if args.json:
        print_json([shapes.user_row(row) for row in rows])
        return 0
    if not rows:
        print(local.NO_MATCH)
        return 0
    table = [
        local.as_text(remote_json.timed(row, ("registered_at", "last_active_at")), args.tz)
        for row in rows
    ]
    print_table(table, list(table[0]))
    print(local.total_line(len(rows), total))
    return 0


def users_count(args: argparse.Namespace, api: Client) -> int:
    """`users count`: how many users match."""
    _user_filter(args, {})
    n = api.get("/users/count", _users_query(args))["count"]
    if args.json:
        print_json({"count": n})
    else:
        print(words.count(n, "user"))
    return 0


def _user_filter(args: argparse.Namespace, sort: dict) -> None:
    """Check the filters as the local command does (the same refusals, before any request)."""
    from core.cli.user_filter_args import filter_from_args

    filter_from_args(args, **sort)


def _users_query(args: argparse.Namespace) -> dict:
    """The Users filters as the API's query parameters (the options' own names and values)."""
    return {
        "text": args.text or None,
        "id": args.ids,
        "active": args.active,
        "registered": remote_json.day_filter(args.registered),
        "last_active": remote_json.day_filter(args.last_active),
        "holds": args.holds,
        "lacks": args.lacks,
        "in_batch": args.in_batch,
        "in_batch_status": args.in_batch_status,
        "not_in_batch": args.not_in_batch,
        "tz": args.tz,
    }
