"""The DuckDB store: opening the data file, migrating it, and running writes in retried transactions."""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from core.errors import DatabaseLocked, SchemaTooNew, StoreError
from core.migrations import all_migrations

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "batch_unlock.duckdb"
DB_ENV = "BATCH_UNLOCK_DB"

T = TypeVar("T")


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """Return the data file to use: the explicit path, else $BATCH_UNLOCK_DB, else data/."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


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
        raise StoreError(f"The data file {path} cannot be opened: {exc}") from exc
    try:
        con.execute("SET enable_progress_bar = false")  # It would print into the CLI's output.
        migrate(con)
    except Exception:
        con.close()
        raise
    return con


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
            con.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied


def in_transaction(
    cur: duckdb.DuckDBPyConnection,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    attempts: int = 8,
) -> T:
    """Run `work(cur)` in one transaction; on a write conflict roll back and run it again."""
    for attempt in range(attempts):
        cur.execute("BEGIN TRANSACTION")
        try:
            result = work(cur)
            cur.execute("COMMIT")
            return result
        except duckdb.TransactionException as exc:
            # A conflict aborts the transaction and a later COMMIT would silently roll back.
            _rollback(cur)
            if "conflict" not in str(exc).lower():
                raise
            if attempt == attempts - 1:
                raise StoreError(
                    "Another change to the same data kept conflicting with this one. "
                    "Wait a moment and try again."
                ) from None
            # Jitter, so writers that collided do not collide again in step.
            time.sleep(random.uniform(0.005, 0.02) * (2**attempt))
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
    cur.complete()
    return cur.sql(query, params=params).pl()


def get_setting(cur: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    """Return a stored setting, or `default`."""
    rows = cur.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
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
