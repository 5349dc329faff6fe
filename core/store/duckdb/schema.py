"""What a DuckDB data file can say about itself: its schema version, whether it can serve requests."""

from __future__ import annotations

import duckdb

from core.store.duckdb.errors import raise_unavailable


def probe(cur: duckdb.DuckDBPyConnection) -> None:
    """Read the small tables every request needs (accounts, sessions, settings) to the last byte.

    Raises `StoreUnavailable` when the file cannot serve them, e.g. a truncated file that DuckDB
    opened but whose blocks are missing; the health check calls it.
    """
    try:
        for table in ("schema_version", "accounts", "sessions", "settings"):
            cur.execute(f"SELECT * FROM {table}").fetchall()  # fixed names, no user text
    except duckdb.Error as exc:
        raise_unavailable(exc)
        raise


def schema_version(cur: duckdb.DuckDBPyConnection) -> int:
    """Return the highest migration applied to this database (0 for a new file)."""
    exists = cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
