"""The DuckDB store: opening the data file, migrating it, and running writes in retried transactions."""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from core.errors import DatabaseLocked, SchemaTooNew, StoreError, StoreUnavailable
from core.migrations import all_migrations

log = logging.getLogger(__name__)

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "batch_unlock.duckdb"
DB_ENV = "BATCH_UNLOCK_DB"

T = TypeVar("T")


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """Return the data file to use: the explicit path, else $BATCH_UNLOCK_DB, else data/."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


# What the user reads when the file itself fails; DuckDB's own words (with paths) go to the log.
CANNOT_WRITE = "the data file cannot be written (disk full or file permissions?)"
CANNOT_READ = "the data file cannot be read (it may be damaged or incomplete)"
OUT_OF_MEMORY = "the data store ran out of memory"
STOPPED = "the data store stopped after a serious error and needs a restart"
_ADVICE = {
    CANNOT_WRITE: "Nothing was saved. Free disk space or check the data file's permissions (or "
    "ask the operator to), then try again.",
    CANNOT_READ: "Ask the operator to check the disk and restore the data file from a backup, "
    "then restart Batch Unlock.",
    OUT_OF_MEMORY: "Nothing was saved. Try again in a moment; if it keeps happening, ask the "
    "operator to give Batch Unlock more memory.",
    STOPPED: "Nothing more can be saved until Batch Unlock is restarted. Ask the operator to "
    "free disk space if it is full and restart the app.",
}
# DuckDB words that mean the file or its log cannot be written (checked in lower case).
_WRITE_WORDS = (
    "could not write",
    "no space left",
    "disk is full",
    "read-only",
    "read only",
    "permission denied",
)


_DAMAGE_WORDS = ("corrupt database file", "checksum", "not a valid duckdb database")


def unavailable(exc: BaseException) -> StoreUnavailable | None:
    """Return the plain `StoreUnavailable` for a failure of the data file itself, else None.

    Covers a full disk or an unwritable file (IO errors, "Could not write file ….wal" at commit,
    a read-only file), a damaged file ("Could not read enough bytes"), running out of memory, and
    a store DuckDB invalidated after such an error. Conflicts and constraint violations are not
    store failures: they return None and keep their own handling.
    """
    if isinstance(exc, StoreUnavailable):
        return exc
    if not isinstance(exc, duckdb.Error):
        return None
    text = str(exc).lower()
    if isinstance(exc, duckdb.OutOfMemoryException):
        reason = OUT_OF_MEMORY
    elif isinstance(exc, duckdb.FatalException) or "invalidated" in text:
        reason = STOPPED
    elif any(word in text for word in _WRITE_WORDS) and isinstance(
        exc, duckdb.IOException | duckdb.TransactionException | duckdb.InvalidInputException
    ):
        reason = CANNOT_WRITE
    elif (isinstance(exc, duckdb.IOException) and "lock" not in text) or any(
        word in text for word in _DAMAGE_WORDS
    ):
        # A damaged file can surface as DuckDB's base Error ("Corrupt database file: computed
        # checksum … does not match"), not only as an IOException.
        reason = CANNOT_READ
    else:
        return None
    return StoreUnavailable(
        f"Batch Unlock cannot use its data store: {reason}. {_ADVICE[reason]}", reason
    )


def _raise_unavailable(exc: BaseException) -> None:
    """Raise the plain error for a store failure (logging DuckDB's own words); else return."""
    failure = unavailable(exc)
    if failure is not None and failure is not exc:
        log.error("Data store failure (%s): %s", failure.reason, exc)
        raise failure from exc


def connect(path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """Open (or create) the data file and bring its schema up to date."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLocked(
                f"The data file {path} is in use by another process (for example a running "
                "Batch Unlock app or worker). Stop that process, or point BATCH_UNLOCK_DB "
                "(or --db) at another file, then try again."
            ) from exc
        log.error("Cannot open the data file %s: %s", path, exc)
        raise _unopenable(path) from exc
    try:
        con.execute("SET enable_progress_bar = false")  # It would print into the CLI's output.
        migrate(con)
    except duckdb.Error as exc:
        con.close()
        failure = unavailable(exc)
        if failure is None:
            raise
        log.error("Cannot open the data file %s: %s", path, exc)
        raise (_unopenable(path) if failure.reason == CANNOT_READ else failure) from exc
    except Exception:
        con.close()
        raise
    return con


def _unopenable(path: Path) -> StoreUnavailable:
    return StoreUnavailable(
        f"The data file {path} cannot be opened: it is damaged, incomplete or not a Batch Unlock "
        "data file. Restore it from a backup, or point BATCH_UNLOCK_DB (or --db) at another file.",
        CANNOT_READ,
    )


def probe(cur: duckdb.DuckDBPyConnection) -> None:
    """Read the small tables every request needs (accounts, sessions, settings) to the last byte.

    Raises `StoreUnavailable` when the file cannot serve them, e.g. a truncated file that DuckDB
    opened but whose blocks are missing; the health check calls it.
    """
    try:
        for table in ("schema_version", "accounts", "sessions", "settings"):
            cur.execute(f"SELECT * FROM {table}").fetchall()  # fixed names, no user text
    except duckdb.Error as exc:
        _raise_unavailable(exc)
        raise


def schema_version(cur: duckdb.DuckDBPyConnection) -> int:
    """Return the highest migration applied to this database (0 for a new file)."""
    exists = cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection, up_to: int | None = None) -> list[int]:
    """Apply the migrations this file lacks (up to `up_to`), each in one transaction."""
    migrations = all_migrations()
    latest = migrations[-1].version if migrations else 0
    current = schema_version(con)
    if current > latest:
        raise SchemaTooNew(
            f"This data file has schema version {current}, but this Batch Unlock only knows up "
            f"to version {latest}. Update Batch Unlock, or use another data file."
        )
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT current_timestamp)"
    )
    applied = []
    for migration in migrations:
        if migration.version <= current or (up_to is not None and migration.version > up_to):
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in migration.statements:
                con.execute(statement)
            con.execute(
                "INSERT INTO schema_version (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
            con.execute("COMMIT")
        except Exception:
            _rollback(con)  # a failed COMMIT (full disk) leaves nothing to roll back
            raise
        applied.append(migration.version)
    return applied


def in_transaction(
    cur: duckdb.DuckDBPyConnection,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    attempts: int = 8,
) -> T:
    """Run `work(cur)` in one transaction; on a write conflict roll back and run it again.

    A failure of the data file itself (disk full, unwritable, damaged) becomes a plain
    `StoreUnavailable`, whatever the caller: this is the one place writes meet the file.
    """
    for attempt in range(attempts):
        try:
            cur.execute("BEGIN TRANSACTION")
        except duckdb.Error as exc:
            _raise_unavailable(exc)
            raise
        try:
            result = work(cur)
            cur.execute("COMMIT")
            return result
        except duckdb.TransactionException as exc:
            # A conflict aborts the transaction and a later COMMIT would silently roll back.
            _rollback(cur)
            text = str(exc).lower()
            if "constraint violation" in text:
                # Two writers inserting one key at once: DuckDB reports it at COMMIT as a
                # TransactionException; callers handle it as the constraint it is.
                raise duckdb.ConstraintException(str(exc)) from exc
            if "conflict" not in text:
                _raise_unavailable(exc)  # "Failed to commit: Could not write file …wal"
                raise
            if attempt == attempts - 1:
                raise StoreError(
                    "Another change to the same data kept conflicting with this one. "
                    "Wait a moment and try again."
                ) from None
            # Jitter, so writers that collided do not collide again in step.
            time.sleep(random.uniform(0.005, 0.02) * (2**attempt))
        except duckdb.Error as exc:
            _rollback(cur)
            _raise_unavailable(exc)
            raise
        except BaseException:
            _rollback(cur)
            raise
    raise AssertionError("unreachable")


def unregister(cur: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a registered frame; safe inside an aborted transaction, so it never hides the real error."""
    with contextlib.suppress(duckdb.Error):
        cur.unregister(name)


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # DuckDB may have rolled back already.
        cur.execute("ROLLBACK")


def frame(
    cur: duckdb.DuckDBPyConnection, query: str, params: dict | list | None = None
) -> pl.DataFrame:
    """Run a read query into a polars frame.

    DuckDB 2 refuses `sql()` while an `execute()` result is half read (after `fetchone()`), so
    finish any such result first.
    """
    try:
        cur.complete()
        return cur.sql(query, params=params).pl()
    except duckdb.Error as exc:
        _raise_unavailable(exc)
        raise


def get_setting(cur: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    """Return a stored setting, or `default`."""
    try:
        rows = cur.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    except duckdb.Error as exc:
        _raise_unavailable(exc)
        raise
    return rows[0][0] if rows else default


def set_setting(cur: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Store a setting (in its own transaction)."""
    in_transaction(
        cur,
        lambda c: c.execute(
            "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        ),
    )
