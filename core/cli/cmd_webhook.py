"""`webhook add|list|remove|test|deliveries`: the URLs told when a batch is published, finishes or
is revoked (issue 17), and what their deliveries did."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core import words
from core.access.roles import command_line_account
from core.cli.output import print_json, print_table, utc_text
from core.errors import InputError
from core.store.ports import UnitOfWork
from core.webhooks import events, signing

if TYPE_CHECKING:
    from core.webhooks.registry import Delivery, Webhook

# What `webhook deliveries` lists unless --limit says otherwise.
RECENT = 50


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `webhook` command group."""
    parser = commands.add_parser(
        "webhook",
        help="add, list or remove the URLs told when a batch is published, finishes or is "
        "revoked; see their deliveries",
        description="A webhook is a URL the app POSTs a signed JSON event to when a batch is "
        f"published ({events.PUBLISHED}), finishes ({events.FINISHED}: “Published” or "
        f"“Partially published”, with its counts) or has been revoked ({events.REVOKED}). "
        f"{signing.HOW_TO_VERIFY} Failed posts are tried again, waiting longer each time. The "
        "app (or `worker`) posts them. The command line acts as an admin.",
    )
    sub = parser.add_subparsers(dest="webhook_command", metavar="SUBCOMMAND", required=True)
    add = sub.add_parser(
        "add",
        help="register a URL and print its secret (once)",
        description="Register an http:// or https:// URL for some events (all of them unless "
        "--event is given) and print the secret its receiver checks signatures with. Copy it "
        "now: it is not shown again.",
    )
    add.add_argument("webhook_url", metavar="URL")
    add.add_argument(
        "--event",
        action="append",
        choices=events.EVENTS,
        metavar="EVENT",
        help=f"an event to be told of (repeat for more): {', '.join(events.EVENTS)}",
    )
    add.add_argument(
        "--json", action="store_true", help='print {"id", "url", "events", "secret", "created_at"}'
    )
    add.set_defaults(handler=run_add)
    listing = sub.add_parser("list", help="list the webhooks (never their secrets)")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(handler=run_list)
    remove = sub.add_parser(
        "remove",
        help="remove a webhook (what it is still owed is cancelled)",
        description="Remove a webhook: it is told of nothing more, and its deliveries not yet "
        "made are cancelled. Its past deliveries stay listed.",
    )
    remove.add_argument("webhook_id", type=int, metavar="ID")
    remove.set_defaults(handler=run_remove)
    test = sub.add_parser(
        "test",
        help="send a webhook.test event to one webhook now",
        description="Queue a signed webhook.test event for one webhook and post what is due at "
        "once, then say how its receiver answered (exit code 1 when it did not take it).",
    )
    test.add_argument("webhook_id", type=int, metavar="ID")
    test.set_defaults(handler=run_test)
    deliveries = sub.add_parser(
        "deliveries",
        help="the newest deliveries and how they went",
        description="List the newest deliveries, newest first: event, batch, status (Pending, "
        "Delivered, Failed, Cancelled), attempts, the last answer (HTTP status or error) and, "
        "while pending, when the next attempt is due.",
    )
    deliveries.add_argument("--webhook", type=int, metavar="ID", help="only this webhook's")
    deliveries.add_argument(
        "--limit", type=int, default=RECENT, metavar="N", help=f"at most N (default {RECENT})"
    )
    deliveries.add_argument("--json", action="store_true", help="print a JSON list")
    deliveries.set_defaults(handler=run_deliveries)


def _webhook_json(webhook: Webhook) -> dict:
    return {
        "id": webhook.id,
        "url": webhook.url,
        "events": list(webhook.events),
        "created_by": webhook.created_by,
        "created_at": webhook.created_at,
    }


def run_add(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Register the URL and print the secret once."""
    from core.webhooks import registry

    secret, webhook = registry.add_webhook(
        uow, command_line_account(), args.webhook_url, args.event
    )
    if args.json:
        shown = _webhook_json(webhook)
        print_json(
            {k: shown[k] for k in ("id", "url", "events")}
            | {
                "secret": secret,
                "created_at": webhook.created_at,
            }
        )
        return 0
    print(f"Webhook {webhook.id} added: {webhook.url} is told of {', '.join(webhook.events)}.")
    print(f"Secret, to check the signatures: {secret}")
    print(words.SECRET_SHOWN_ONCE)
    return 0


def run_list(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the webhooks."""
    from core.webhooks import registry

    found = registry.list_webhooks(uow, command_line_account())
    if args.json:
        print_json([_webhook_json(w) for w in found])
        return 0
    if not found:
        print("No webhooks. Add one with `python -m core webhook add URL`.")
        return 0
    rows = [
        {
            "id": w.id,
            "url": w.url,
            "events": ",".join(w.events),
            "created by": w.created_by,
            "created": utc_text(w.created_at),
        }
        for w in found
    ]
    print_table(rows, ["id", "url", "events", "created by", "created"])
    return 0


def run_remove(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Remove the webhook and say what was cancelled."""
    from core.webhooks import registry

    webhook, cancelled = registry.remove_webhook(uow, command_line_account(), args.webhook_id)
    tail = (
        f"; {words.count(cancelled, 'delivery', 'deliveries')} not yet made cancelled"
        if cancelled
        else ""
    )
    print(f"Webhook {webhook.id} ({webhook.url}) removed{tail}.")
    return 0


def run_test(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Queue a test event, post what is due, and say how the receiver answered."""
    from core.webhooks import delivery, registry

    webhook = registry.send_test(uow, command_line_account(), args.webhook_id)
    mine = None
    while attempts := delivery.deliver_due(uow):
        for attempt in attempts:
            if attempt.webhook_id == webhook.id and attempt.event == events.TEST:
                mine = attempt
    if mine is None:
        print(f"A test event was queued for webhook {webhook.id}; a running worker posts it.")
    elif mine.status == "delivered":
        print(f"Test event delivered to {webhook.url}: it answered HTTP {mine.status_code}.")
    else:
        answer = f"HTTP {mine.status_code}" if mine.status_code is not None else mine.error
        print(
            f"Test event not delivered to {webhook.url} ({answer}); it is tried again later "
            "(`webhook deliveries`)."
        )
        return 1  # a script checking a receiver must see the failure
    return 0


def _delivery_json(d: Delivery) -> dict:
    return {
        "id": d.id,
        "webhook_id": d.webhook_id,
        "url": d.url,
        "event": d.event,
        "batch_id": d.batch_id,
        "status": d.status_word,
        "attempts": d.attempts,
        "created_at": d.created_at,
        "last_attempt_at": d.last_attempt_at,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
        "delivered_at": d.delivered_at,
    }


def run_deliveries(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the newest deliveries."""
    from core.webhooks import registry

    if args.limit < 1:
        raise InputError("--limit must be at least 1.")
    found = registry.recent_deliveries(uow, command_line_account(), args.webhook, args.limit)
    if args.json:
        print_json([_delivery_json(d) for d in found])
        return 0
    if not found:
        print("No deliveries yet.")
        return 0
    rows = [
        {
            "id": d.id,
            "webhook": d.webhook_id,
            "event": d.event,
            "batch": "" if d.batch_id is None else d.batch_id,
            "status": d.status_word,
            "attempts": d.attempts,
            "last answer": d.last_result,
            "next attempt": utc_text(d.next_attempt_at) if d.status == "pending" else "",
            "created": utc_text(d.created_at),
        }
        for d in found
    ]
    print_table(
        rows,
        [
            "id",
            "webhook",
            "event",
            "batch",
            "status",
            "attempts",
            "last answer",
            "next attempt",
            "created",
        ],
    )
    return 0
