"""The store port and its adapters.

Domain code reaches data only through a unit of work (`core/store/ports/`); the DuckDB adapter
lives in `core/store/duckdb/`. The names below are the transitional face the callers use while
issue 12 moves them behind the port.
"""

from __future__ import annotations

from core.config import DB_ENV, DEFAULT_DB, database_path
from core.store.duckdb.connection import connect, migrate, probe, schema_version
from core.store.duckdb.errors import (
    CANNOT_READ,
    CANNOT_WRITE,
    OUT_OF_MEMORY,
    STOPPED,
    unavailable,
)
from core.store.duckdb.legacy import frame, get_setting, in_transaction, set_setting, unregister

__all__ = [
    "CANNOT_READ",
    "CANNOT_WRITE",
    "DB_ENV",
    "DEFAULT_DB",
    "OUT_OF_MEMORY",
    "STOPPED",
    "connect",
    "database_path",
    "frame",
    "get_setting",
    "in_transaction",
    "migrate",
    "probe",
    "schema_version",
    "set_setting",
    "unavailable",
    "unregister",
]
