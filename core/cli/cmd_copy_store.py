"""`copy-store`: copy a whole store into an empty one (a DuckDB file ↔ a PostgreSQL database)."""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import is_postgres
from core.errors import InputError

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `copy-store` command."""
    parser = commands.add_parser(
        "copy-store",
        help="copy a whole store into an empty one (a DuckDB file to PostgreSQL, or back)",
        description="Copy every table of a store (users, catalog, batches and their users, "
        "unlocks, accounts, sessions, settings, audit log) into an empty store, in one "
        "transaction that is checked before it commits: the row counts and totals of every "
        "table must match, or nothing is copied. Either store may be a DuckDB data file or a "
        "PostgreSQL database: move up from a file to a database, or take a laptop copy of a "
        "database. A PostgreSQL source may keep serving its apps meanwhile (the copy is of one "
        "moment); a data file must not be in use (stop the app first). --db is not used.",
    )
    # The source is the command's store: main opens it as it opens --db (the same words for a
    # locked, damaged or newer file), so --from takes --db's place.
    parser.add_argument(
        "--from",
        dest="db",
        required=True,
        type=_existing_source,
        metavar="PATH|URL",
        help="the store to copy: a DuckDB data file, or postgresql://user:pass@host:5432/dbname",
    )
    parser.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="PATH|URL",
        help="where to copy it: a new (or empty) DuckDB data file, or an empty PostgreSQL database",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the rows copied per table as JSON"
    )
    parser.set_defaults(handler=run)


def _existing_source(location: str) -> str:
    """The --from location, if it can be a store to copy (opening a missing file would create it)."""
    if not is_postgres(location) and not Path(location).is_file():
        raise argparse.ArgumentTypeError(
            f"the data file {location} does not exist (copy-store never creates the store it "
            "copies from): check the path"
        )
    return location


def _same_store(source: str, target: str) -> bool:
    if is_postgres(source) != is_postgres(target):
        return False
    if is_postgres(source):
        from core.store import describe

        return describe(source) == describe(target)
    return Path(source).resolve() == Path(target).resolve()


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Copy the opened source store into the --to store; print what was copied."""
    from core.cli.output import print_json, print_table
    from core.store import connect, describe
    from core.store.copying import copy_store

    source_name, target_name = describe(args.db), describe(args.target)
    if _same_store(args.db, args.target):
        raise InputError(
            f"--from and --to both name the {source_name}: copy it into another store."
        )
    new_file = None if is_postgres(args.target) else Path(args.target)
    if new_file is not None and new_file.exists():
        new_file = None  # an existing file is copied into only if empty, and kept whatever happens
    started = time.perf_counter()
    target, done = None, False
    try:
        target = connect(args.target)
        tables = copy_store(uow, target, source_name, target_name)
        done = True
    finally:
        if target is not None:
            with contextlib.suppress(Exception):  # closing must not mask why the copy failed
                target.close()
        if new_file is not None and not done:
            # The file this command created holds nothing worth keeping: leave no trace of it.
            for leftover in (new_file, new_file.with_name(new_file.name + ".wal")):
                leftover.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    if args.json:
        print_json({"tables": tables, "from": source_name, "to": target_name})
        return 0
    print(
        f"Copied the {source_name} into the {target_name} in one transaction "
        f"({sum(tables.values()):,} rows in {seconds:.1f} s):"
    )
    print_table(
        [{"table": name, "rows": f"{n:,}"} for name, n in tables.items()], ["table", "rows"]
    )
    print("Row counts and totals match in every table; the sequences continue past the copied ids.")
    return 0
