"""The command line: `python -m core [--db PATH] COMMAND`.

Commands live in modules of this package, found by `build_parser`, so each capability adds its
own file: `cmd_*.py` define top-level commands, `batch_*.py` define `batch` subcommands. Each such
module has `register(subparsers)`; each parser it adds sets `handler=fn(args, uow) -> int`, where
`uow` is the store's unit of work (`core.store.ports.UnitOfWork`).

A command imports only its own module (COMMAND_MODULES: add a new command there too), and a
command module imports at its top only what its parser needs: whatever needs polars (~0.15 s to
import, pyarrow as much again) is imported by the handler that uses it, so `quests` runs in a
fraction of the time (bench/bench_cli.py; tests/unit/test_cli_imports.py). Help and mistakes are
answered by the parser of every command, so their words are those of the whole command tree.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import itertools
import logging
import pkgutil
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import NoReturn

from core.config import database_path
from core.errors import BatchUnlockError, DatabaseLocked, StoreUnavailable
from core.store import connect, unavailable
from core.store.ports import UnitOfWork

# What every command's `handler` is: it acts on the store through the unit of work it is given.
Handler = Callable[[argparse.Namespace, UnitOfWork], int | None]

DESCRIPTION = """Batch Unlock for developers: manage the data file, accounts, badges and batches.

The data file is data/batch_unlock.duckdb unless --db or BATCH_UNLOCK_DB says otherwise.
Only one process may use it at a time: stop the app before running commands on its file.
On PostgreSQL commands work beside running apps and workers: `batch pause`, `batch resume`,
`worker pause` and `worker resume` take effect within a chunk. On a DuckDB file, pause and resume
in the app while it runs.
With --url http://HOST:PORT and an API token in BATCH_UNLOCK_TOKEN, the commands quests, batch
list|show|users|create|add|publish|retry|cancel|pause|resume|revoke and users list|count run
through a running app's API instead (any store, beside the app), with the same output.
Exit codes: 0 success, 2 bad input or a refusal (one sentence on stderr), 1 a data file (or an
app at --url) that cannot be used (one sentence on stderr) or anything unexpected."""


# The module that registers each command (a `batch` subcommand as "batch NAME"). A command left
# out still runs, through the parser of every command, only slower: a unit test compares the two.
COMMAND_MODULES = {
    "account": "cmd_account",
    "quests": "cmd_catalog",
    "copy-store": "cmd_copy_store",
    "import-users": "cmd_import",
    "import-badges": "cmd_import",
    "init": "cmd_init",
    "preview": "cmd_preview",
    "rate": "cmd_rate",
    "users": "cmd_users",
    "webhook": "cmd_webhook",
    "worker": "cmd_worker",
    "batch create": "batch_create",
    "batch add": "batch_create",
    "batch list": "batch_list",
    "batch publish": "batch_publish",
    "batch show": "batch_publish",
    "batch retry": "batch_publish",
    "batch queue": "batch_publish",
    "batch users": "batch_users",
    "batch cancel": "batch_undo",
    "batch pause": "batch_undo",
    "batch resume": "batch_undo",
    "batch revoke": "batch_revoke",
}


def build_parser(
    modules: Iterable[str] | None = None,
    parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
) -> argparse.ArgumentParser:
    """Build the parser with every command module's commands (or only those of `modules`)."""
    parser = parser_class(
        prog="python -m core",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="DuckDB data file, or postgresql://user:pass@host:5432/dbname (default: $BATCH_UNLOCK_DB, "
        "else data/batch_unlock.duckdb)",
        default=str(database_path()),
    )
    parser.add_argument(
        "--url",
        metavar="URL",
        help="run the command through the API of the app running at URL (e.g. "
        "http://localhost:8501), with the API token in $BATCH_UNLOCK_TOKEN; --db is then unused",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    batch = commands.add_parser(
        "batch",
        help="create, fill, publish, pause, cancel, revoke, list and show batches",
        description="Work with batches of users that unlock one badge quest: build and publish "
        "them, pause, resume or cancel their publishing, revoke what they unlocked.",
    )
    batch_commands = batch.add_subparsers(dest="batch_command", metavar="SUBCOMMAND", required=True)
    if modules is None:
        modules = (info.name for info in pkgutil.iter_modules(__path__))
    for name in sorted(set(modules)):
        if name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{name}").register(commands)
        elif name.startswith("batch_"):
            importlib.import_module(f"{__name__}.{name}").register(batch_commands)
    return parser


URL_AND_DB = (
    "--url and --db name two places to act on: give --url to go through a running app's API, "
    "or --db to open a store here, not both."
)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_quickly(argv)
    if args is None:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # argparse already printed usage and the problem.
            return int(exc.code or 0)
    if args.url is not None:  # the running app's API does the work: no store is opened here
        if any(arg == "--db" or arg.startswith("--db=") for arg in argv):
            return fail(URL_AND_DB)
        from core.cli import remote_commands

        return remote_commands.run(args)
    with _store_log_quiet():
        return _run(args)


def _asks_for_help(arg: str) -> bool:
    """Tell whether an argument is -h or an abbreviation of --help (not --holds)."""
    name = arg.split("=", 1)[0]
    return name == "-h" or (len(name) > 3 and "--help".startswith(name)) or name == "--h"


def parse_quickly(argv: list[str]) -> argparse.Namespace | None:
    """Parse `argv` with only the modules of the commands it names; None if it needs them all.

    None for help, for a mistake and for a command COMMAND_MODULES does not know: the parser of
    every command then answers, in its own words. A parse that works with some of the commands
    gives what it gives with all of them, since argparse picks a command by its exact name.
    """
    if any(_asks_for_help(arg) for arg in argv):  # -h, --help, --hel...: all commands
        return None
    words = [arg for arg in argv if not arg.startswith("-")]
    named = words + [f"{first} {second}" for first, second in itertools.pairwise(words)]
    modules = {COMMAND_MODULES[word] for word in named if word in COMMAND_MODULES}
    if not modules:
        return None
    try:
        return build_parser(modules, _SilentParser).parse_args(argv)
    except _NotParsed:
        return None


class _NotParsed(Exception):
    """The quick parse failed: the parser of every command says why."""


class _SilentParser(argparse.ArgumentParser):
    """A parser that raises instead of printing, for the quick parse."""

    def error(self, message: str) -> NoReturn:
        """Hand the mistake to the parser of every command (which prints it)."""
        raise _NotParsed(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        """Hand over anything that would end the parse early."""
        raise _NotParsed(message)


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
    except DatabaseLocked as exc:
        # A command that has a way in the running app says so (`when_locked`, set by its parser).
        return fail(" ".join(filter(None, [str(exc), getattr(args, "when_locked", None)])))
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
