"""The store: the port domain code talks to (`ports/`) and its adapters (`duckdb/`, `postgres/`).

This module is the store-neutral entry for composition roots (the web runtime, the command line,
tests): open a store by its location and translate its failures. Domain code never imports it;
it receives a unit of work.
"""

from __future__ import annotations

import os

from core.config import is_postgres
from core.errors import StoreUnavailable
from core.store.failures import CANNOT_READ, CANNOT_WRITE, OUT_OF_MEMORY, STOPPED
from core.store.ports import UnitOfWork

__all__ = [
    "CANNOT_READ",
    "CANNOT_WRITE",
    "OUT_OF_MEMORY",
    "STOPPED",
    "connect",
    "describe",
    "unavailable",
]


def connect(location: str | os.PathLike) -> UnitOfWork:
    """Open the store at `location` (a postgresql:// URL, else a DuckDB data file), up to date."""
    # Each adapter is imported only when used: the CLI on DuckDB never loads psycopg, and back.
    if is_postgres(location):
        from core.store.postgres.connection import connect as connect_postgres

        return connect_postgres(str(location))
    from core.store.duckdb.connection import connect as connect_duckdb

    return connect_duckdb(location)


def describe(location: str | os.PathLike) -> str:
    """The store's location for messages: a file's path, or a database's host/port/name (no password)."""
    if is_postgres(location):
        from core.store.postgres.connection import where

        return f"database {where(str(location))}"
    return f"data file {location}"


def unavailable(exc: BaseException) -> StoreUnavailable | None:
    """The plain `StoreUnavailable` for a failure of the store itself (disk, damage), else None."""
    if isinstance(exc, StoreUnavailable):
        return exc
    # By the exception's module, so that asking never imports a driver the process does not use.
    if type(exc).__module__.startswith(("psycopg", "psycopg_pool")):
        from core.store.postgres.errors import unavailable as postgres_unavailable

        return postgres_unavailable(exc)
    if type(exc).__module__.startswith(("duckdb", "_duckdb")):  # DuckDB's C module is _duckdb
        from core.store.duckdb.errors import unavailable as duckdb_unavailable

        return duckdb_unavailable(exc)
    return None
