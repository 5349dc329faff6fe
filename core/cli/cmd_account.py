"""`account add`, `account list`, `account logout` and `account token …`: back-office accounts
and their personal API tokens (issue 17)."""

from __future__ import annotations

import argparse
import sys

from core.access import accounts, api_tokens, sessions
from core.access.roles import Role, command_line_account
from core.cli.output import print_json, print_table, utc_text
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
    _register_tokens(sub)


def _register_tokens(sub: argparse._SubParsersAction) -> None:
    """Add `account token create|list|revoke`."""
    token = sub.add_parser(
        "token",
        help="create, list or revoke an account's API tokens",
        description="Personal API tokens let scripts call the app's HTTP API (/api/v1) as an "
        "account, with its role (or only viewing, with --read-only): send one as "
        "`Authorization: Bearer TOKEN`. A token is printed once, when it is created; the store "
        "keeps only its hash. The command line acts as an admin.",
    )
    tokens = token.add_subparsers(dest="token_command", metavar="SUBCOMMAND", required=True)
    create = tokens.add_parser(
        "create",
        help="create a token and print it (once)",
        description="Create an API token for an account and print it. Copy it now: it is not "
        "shown again.",
    )
    create.add_argument("username")
    create.add_argument("--name", required=True, help="what the token is for, e.g. ci-bot")
    create.add_argument(
        "--read-only", action="store_true", help="the token may only view, whatever the role"
    )
    create.add_argument(
        "--expires",
        metavar="DATE",
        help="when the token stops working: 2027-01-31 (00:00 UTC that day) or an ISO time, "
        "UTC unless it has an offset: 2027-01-31T18:00+01:00 (default: never)",
    )
    create.add_argument(
        "--json", action="store_true", help='print {"token", "name", "account", "expires_at"}'
    )
    create.set_defaults(handler=run_token_create)
    listing = tokens.add_parser(
        "list", help="list an account's tokens (never the tokens themselves)"
    )
    listing.add_argument("username")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(handler=run_token_list)
    revoke = tokens.add_parser(
        "revoke",
        help="revoke a token at once, everywhere",
        description="Revoke an API token by its id (see `account token list`): it stops "
        "working at once.",
    )
    revoke.add_argument("id", type=int, metavar="ID")
    revoke.set_defaults(handler=run_token_revoke)


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


def run_token_create(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Create the token and print it once."""
    expires = api_tokens.parse_expiry(args.expires) if args.expires else None
    secret, token = api_tokens.create_token(
        uow,
        command_line_account(),
        args.username,
        args.name,
        read_only=args.read_only,
        expires_at=expires,
    )
    if args.json:
        print_json(
            {
                "token": secret,
                "name": token.name,
                "account": token.account,
                "expires_at": token.expires_at,
            }
        )
        return 0
    scope = "read-only" if token.read_only else "with the role of the account"
    until = f", until {utc_text(token.expires_at)}" if token.expires_at else ""
    print(f"API token “{token.name}” for {token.account} ({scope}{until}):")
    print(secret)
    print("Copy it now: it is not shown again.", file=sys.stderr)
    return 0


def run_token_list(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the account's tokens."""
    found = api_tokens.list_tokens(uow, command_line_account(), args.username)
    rows = [
        {
            "id": t.id,
            "name": t.name,
            "account": t.account,
            "prefix": t.prefix,
            "read_only": t.read_only,
            "state": t.state(),
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "last_used_at": t.last_used_at,
            "revoked_at": t.revoked_at,
        }
        for t in found
    ]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print(f"{args.username} has no API tokens.")
        return 0
    for row in rows:  # text: times as the CLI prints them, "never" for none (yet)
        for key in ("created_at", "expires_at", "last_used_at"):
            row[key] = utc_text(row[key]) if row[key] else "never"
        row["read_only"] = "yes" if row["read_only"] else "no"
        row["prefix"] = f"{row['prefix']}…"
    print_table(
        rows,
        ["id", "name", "prefix", "read_only", "state", "created_at", "last_used_at", "expires_at"],
    )
    return 0


def run_token_revoke(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Revoke the token."""
    token = api_tokens.revoke_token(uow, command_line_account(), args.id)
    print(f"Revoked the API token “{token.name}” of {token.account} (id {token.id}).")
    return 0
