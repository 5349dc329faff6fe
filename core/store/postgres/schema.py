"""What a PostgreSQL database can say about itself: its schema version, whether it can serve requests."""

from __future__ import annotations

import psycopg

from core.store.postgres.errors import raise_unavailable


def probe(conn: psycopg.Connection) -> None:
    """Read the small tables every request needs (accounts, sessions, settings)."""
    try:
        for table in ("schema_version", "accounts", "sessions", "settings"):
            conn.execute(f"SELECT count(*) FROM {table}").fetchall()  # fixed names, no user text
    except psycopg.Error as exc:
        raise_unavailable(exc)
        raise


def schema_version(conn: psycopg.Connection) -> int:
    """Return the highest migration applied to this database (0 for a new one)."""
    exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
