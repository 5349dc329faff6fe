"""The command line: `python -m core [--db PATH] COMMAND`.

Commands live in modules of this package and are found at start-up, so each capability adds its
own file: `cmd_*.py` define top-level commands, `batch_*.py` define `batch` subcommands. Each such
module has `register(subparsers)`; each parser it adds sets `handler=fn(args, cur) -> int`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import pkgutil
import sys
from collections.abc import Iterator

import duckdb

from core.errors import BatchUnlockError, StoreUnavailable
from core.store import connect, database_path, unavailable

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
    try:
        con = connect(args.db)
    except StoreUnavailable as exc:
        return fail(str(exc), STORE_FAILED)
    except BatchUnlockError as exc:
        return fail(str(exc))
    try:
        return int(args.handler(args, con.cursor()) or 0)
    except StoreUnavailable as exc:
        return fail(str(exc), STORE_FAILED)
    except BatchUnlockError as exc:
        return fail(str(exc))
    except duckdb.Error as exc:
        # A read that met a damaged file or a full disk outside the store's helpers: the same
        # one plain line, not a traceback.
        failure = unavailable(exc)
        if failure is None:
            raise
        return fail(str(failure), STORE_FAILED)
    finally:
        with contextlib.suppress(duckdb.Error):  # closing a broken store must not mask why
            con.close()


BAD_INPUT = 2
STORE_FAILED = 1  # the data file cannot be used: not the caller's input


def fail(message: str, code: int = BAD_INPUT) -> int:
    """Print one plain sentence on stderr and return the exit code (bad input by default)."""
    print(message, file=sys.stderr)
    return code
