"""Opening the DuckDB data file and bringing its schema up to date."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb

from core.errors import DatabaseLocked, SchemaTooNew, StoreUnavailable
from core.store.duckdb.errors import CANNOT_READ, unavailable
from core.store.duckdb.migrations import all_migrations
from core.store.duckdb.schema import schema_version
from core.store.duckdb.unit_of_work import DuckUnitOfWork, rollback

log = logging.getLogger(__name__)


def connect(path: str | os.PathLike) -> DuckUnitOfWork:
    """Open (or create) the data file, bring its schema up to date; return the process's unit of work."""
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
    return DuckUnitOfWork(con)


def _unopenable(path: Path) -> StoreUnavailable:
    return StoreUnavailable(
        f"The data file {path} cannot be opened: it is damaged, incomplete or not a Batch Unlock "
        "data file. Restore it from a backup, or point BATCH_UNLOCK_DB (or --db) at another file.",
        CANNOT_READ,
    )


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
            rollback(con)  # a failed COMMIT (full disk) leaves nothing to roll back
            raise
        applied.append(migration.version)
    return applied
