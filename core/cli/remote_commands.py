"""`python -m core --url URL COMMAND`: the commands that run through a running app's API.

Each command parses as it does locally (the same parser, the same checks of its options, which
raise the same sentences before any request) and prints what it prints locally, rendered from the
API's JSON: the API answers the command line's own `--json` objects (core/api/shapes.py), plus a
few keys only the text needs, which `--json` leaves out. Exit codes are those of local mode: 0,
2 for a refusal (the problem's `detail` on stderr), 1 for a server that cannot be reached or
fails. The token comes from BATCH_UNLOCK_TOKEN, never from the command line (it would show in
`ps` and the shell's history).

Not offered here (no API for them): `users list --csv` and `--from-users`. The local hints ("Run
`python -m core worker --once` to publish it now …") are printed as locally, so that the output is
the same; the running app's publisher takes the batch anyway.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from core.cli import fail, remote_reads, remote_writes
from core.cli.remote import Client, Unreachable
from core.errors import BatchUnlockError

TOKEN_ENV = "BATCH_UNLOCK_TOKEN"  # noqa: S105 (the variable's name, not a token)
NO_TOKEN = (
    f"Set {TOKEN_ENV} to an API token (`python -m core account token create USERNAME --name "
    "NAME` on the app's store, or the app's Account menu › API tokens)."
)

RemoteHandler = Callable[[argparse.Namespace, Client], int]


def command_of(args: argparse.Namespace) -> str:
    """The command's name as people type it: "quests", "batch show", "account token list"."""
    # Each level's subcommand is in its own `*_command` attribute, set in the order parsed.
    subs = [v for k, v in vars(args).items() if k.endswith("_command") and isinstance(v, str)]
    return " ".join([args.command, *subs])


def run(args: argparse.Namespace) -> int:
    """Run one parsed command through the API at `args.url`; return the exit code."""
    name = command_of(args)
    handler = COMMANDS.get(name)
    if handler is None:
        return fail(
            f"`{name}` does not run with --url: run it where the store is, with --db (or "
            "BATCH_UNLOCK_DB). With --url: " + ", ".join(sorted(COMMANDS)) + "."
        )
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        return fail(NO_TOKEN)
    try:
        api = Client(args.url, token)
        return handler(args, api)
    except Unreachable as exc:
        return fail(str(exc), 1)
    except BatchUnlockError as exc:  # Refused (the API's sentence) or the options' own refusal
        return fail(str(exc))
    except (KeyError, TypeError, AttributeError):
        # An answer without the keys this command reads: an app of another version.
        return fail(
            f"The app at {api.url} answered in a shape this command line does not read: run the "
            "same version of Batch Unlock on both sides.",
            1,
        )


COMMANDS: dict[str, RemoteHandler] = {
    "quests": remote_reads.quests,
    "batch list": remote_reads.batch_list,
    "batch show": remote_reads.batch_show,
    "batch users": remote_reads.batch_users,
    "batch create": remote_writes.batch_create,
    "batch add": remote_writes.batch_add,
    "batch publish": remote_writes.batch_publish,
    "batch retry": remote_writes.batch_retry,
    "batch cancel": remote_writes.batch_undo,
    "batch pause": remote_writes.batch_undo,
    "batch resume": remote_writes.batch_undo,
    "batch revoke": remote_writes.batch_revoke,
    "users list": remote_reads.users_list,
    "users count": remote_reads.users_count,
}
