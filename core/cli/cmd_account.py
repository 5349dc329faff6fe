"""`account add`, `account list` and `account logout`: back-office accounts."""

from __future__ import annotations

import argparse
import sys

from core.access import accounts, sessions
from core.access.roles import Role, command_line_account
from core.cli.output import print_json, print_table
from core.errors import InputError
from core.store.ports import UnitOfWork


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `account` command group."""
    parser = commands.add_parser(
        "account",
        help="add, list or log out back-office accounts",
        description="Back-office accounts log in to the app. Roles: admin and dev create, edit "
        "and publish batches; analyst only views, filters and exports.",
    )
    sub = parser.add_subparsers(dest="account_command", metavar="SUBCOMMAND", required=True)
    add = sub.add_parser(
        "add",
        help="create an account",
        description="Create an account. The password is read from standard input, so it never "
        "shows in the shell history: echo 'secret-pass' | python -m core account add ann "
        "--role analyst --password-stdin",
    )
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from the first line of standard input",
    )
    add.add_argument("--email", help="email, for single sign-on (optional)")
    add.set_defaults(handler=run_add)
    listing = sub.add_parser("list", help="list accounts (never their passwords)")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(handler=run_list)
    logout = sub.add_parser(
        "logout",
        help="end every session of an account (it must log in again)",
        description="End every login session of an account at once, in every browser, for "
        "example after a password leaked or a laptop was lost. The command line acts as an "
        "admin. The account itself stays; it can log in again.",
    )
    logout.add_argument("username")
    logout.set_defaults(handler=run_logout)


def run_add(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Create the account."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InputError("No password on standard input. Pipe one in, e.g. echo 'pass' | …")
    account = accounts.add_account(
        uow, command_line_account(), args.username, args.role, password, args.email
    )
    print(f"Account {account.username} ({account.role.value}) created.")
    return 0


def run_list(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the accounts."""
    rows = accounts.list_accounts(uow).to_dicts()
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["username", "role", "email", "created_at"])
    return 0


def run_logout(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """End the account's sessions."""
    ended = sessions.end_sessions_of(uow, command_line_account(), args.username)
    print(f"Ended {ended} session(s) of {args.username}.")
    return 0
