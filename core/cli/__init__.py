"""The command line: `python -m core [--db PATH] COMMAND`.

Commands live in modules of this package and are found at start-up, so each capability adds its
own file: `cmd_*.py` define top-level commands, `batch_*.py` define `batch` subcommands. Each such
module has `register(subparsers)`; each parser it adds sets `handler=fn(args, cur) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from core.errors import BatchUnlockError, InputError
from core.store import connect, database_path

DESCRIPTION = """Batch Unlock for developers: manage the data file, accounts, badges and batches.

The data file is data/batch_unlock.duckdb unless --db or BATCH_UNLOCK_DB says otherwise.
Only one process may use it at a time: stop the app before running commands on its file.
Exit codes: 0 success, 2 bad input (one sentence on stderr), 1 anything unexpected."""


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every command module's commands."""
    parser = argparse.ArgumentParser(
        prog="python -m core",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="data file to use (default: %(default)s)",
        default=str(database_path()),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    batch = commands.add_parser(
        "batch",
        help="create, fill, publish, list and show batches",
        description="Work with batches of users that unlock one badge quest.",
    )
    batch_commands = batch.add_subparsers(dest="batch_command", metavar="SUBCOMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(commands)
        elif info.name.startswith("batch_"):
            importlib.import_module(f"{__name__}.{info.name}").register(batch_commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the problem.
        return int(exc.code or 0)
    try:
        con = connect(args.db)
    except BatchUnlockError as exc:
        return fail(str(exc))
    try:
        return int(args.handler(args, con.cursor()) or 0)
    except InputError as exc:
        return fail(str(exc))
    except BatchUnlockError as exc:
        return fail(str(exc))
    finally:
        con.close()


def fail(message: str) -> int:
    """Print one plain sentence on stderr and return the bad-input exit code."""
    print(message, file=sys.stderr)
    return 2
