"""`rate`: show or set the publisher's throttle (unlocks per second) that the app's worker follows."""

from __future__ import annotations

import argparse

from core.access.roles import command_line_account
from core.cli.output import print_json
from core.publishing import publish_rate
from core.store.ports import UnitOfWork


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `rate` command."""
    parser = commands.add_parser(
        "rate",
        help="show or set the publishing throttle (unlocks per second; 0 = unlimited)",
        description="Show the publishing throttle, or set it: at most N unlocks per second, "
        "to protect the platform. 0 means unlimited. The app's publisher and `worker` without "
        "--rate follow it from their next chunk on.",
    )
    parser.add_argument("per_second", nargs="?", metavar="N", help="new rate (0 = unlimited)")
    parser.add_argument("--json", action="store_true", help='print {"rate": N or null}')
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print (and maybe change) the rate."""
    if args.per_second is not None:
        publish_rate.set_rate(uow, command_line_account(), args.per_second)
    rate = publish_rate.get_rate(uow)
    if args.json:
        print_json({"rate": rate})
    else:
        print(
            "Publishing rate: " + ("unlimited" if rate is None else f"{rate:g} unlocks per second")
        )
    return 0
