"""The command line: `python -m core [--db PATH] COMMAND`.

Commands live in modules of this package and are found at start-up, so each capability adds its
own file: `cmd_*.py` define top-level commands, `batch_*.py` define `batch` subcommands. Each such
module has `register(subparsers)`; each parser it adds sets `handler=fn(args, uow) -> int`, where
`uow` is the store's unit of work (`core.store.ports.UnitOfWork`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import pkgutil
import sys
from collections.abc import Callable, Iterator

from core.config import database_path
from core.errors import BatchUnlockError, StoreUnavailable
from core.store import connect, unavailable
from core.store.ports import UnitOfWork

# What every command's `handler` is: it acts on the store through the unit of work it is given.
Handler = Callable[[argparse.Namespace, UnitOfWork], int | None]

DESCRIPTION = """Batch Unlock for developers: manage the data file, accounts, badges and batches.

The data file is data/batch_unlock.duckdb unless --db or BATCH_UNLOCK_DB says otherwise.
Only one process may use it at a time: stop the app before running commands on its file.
Exit codes: 0 success, 2 bad input (one sentence on stderr), 1 a data file that cannot be used
(one sentence on stderr) or anything unexpected."""


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
    with _store_log_quiet():
        return _run(args)


@contextlib.contextmanager
def _store_log_quiet() -> Iterator[None]:
    """Keep the store's log of a failure (DuckDB's words) off the terminal while a command runs.

    The command prints that failure itself as one plain sentence; the app's server log keeps it.
    """
    store_log = logging.getLogger("core.store")
    saved = store_log.propagate
    store_log.propagate = False
    store_log.addHandler(_QUIET)
    try:
        yield
    finally:
        store_log.removeHandler(_QUIET)
        store_log.propagate = saved


_QUIET = logging.NullHandler()


def _run(args: argparse.Namespace) -> int:
    handler: Handler = args.handler
    # One set of answers for opening the file and for running the command on it.
    try:
        con = connect(args.db)
        try:
            return int(handler(args, con.cursor()) or 0)
        finally:
            with contextlib.suppress(Exception):  # closing a broken store must not mask why
                con.close()
    except StoreUnavailable as exc:
        return fail(str(exc), STORE_FAILED)
    except BatchUnlockError as exc:
        return fail(str(exc))
    except Exception as exc:
        # A store failure that reached us in the driver's own words (a damaged file, a full
        # disk): the same one plain line, not a traceback. Anything else is a bug: raised.
        failure = unavailable(exc)
        if failure is None:
            raise
        return fail(str(failure), STORE_FAILED)


BAD_INPUT = 2
STORE_FAILED = 1  # the data file cannot be used: not the caller's input


def fail(message: str, code: int = BAD_INPUT) -> int:
    """Print one plain sentence on stderr and return the exit code (bad input by default)."""
    print(message, file=sys.stderr)
    return code
