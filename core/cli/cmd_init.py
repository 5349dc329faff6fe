"""`init`: create or upgrade the schema, optionally with demo data."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core.access import accounts
from core.demo import content
from core.store import describe

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `init` command."""
    parser = commands.add_parser(
        "init",
        help="create or upgrade the data file or database (with --demo: fill it with demo data)",
        description="Create the data file (or a PostgreSQL database's tables), or upgrade an "
        "older one in place without losing rows. A new store starts empty (the app then asks for the first admin). With --demo, also "
        "fill it with demo badges, users, accounts and batches, all or nothing.",
    )
    parser.add_argument("--demo", action="store_true", help="fill the file with demo data")
    parser.add_argument(
        "--users",
        type=int,
        default=content.DEFAULT_USERS,
        metavar="N",
        help=f"how many demo platform users (default: %(default)s, at most {content.MAX_USERS:,})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="S",
        help="seed of the demo data: one seed always gives the same data (default: 1)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="add demo data even if the file already has platform users",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Report the schema version; fill demo data when asked."""
    # Opening the file (done by main) already applied every missing migration.
    where = describe(args.db)
    print(f"{where[0].upper()}{where[1:]} is at schema version {uow.schema_version()}.")
    if args.demo:
        from core.demo import loader  # polars and the generator: only for --demo

        result = loader.fill(uow, n_users=args.users, seed=args.seed, force=args.force)
        print(
            f"Added demo data: {result['users']:,} platform users, {result['badges']} badges, "
            f"{result['batches']} batches, and the demo accounts listed in the README."
        )
    elif not accounts.has_accounts(uow):
        print(
            "It has no account yet: the app's first visit asks for the first admin, or run "
            "`python -m core account add NAME --role admin --password-stdin`."
        )
    return 0
