"""What one app process holds: its single database connection and its background publisher.

Plain Python (no streamlit) so the login routes and the page scripts share the same objects.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import duckdb

from core import demo, store

log = logging.getLogger("batch_unlock")

_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}


def database(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Return this process's connection to the data file, creating it with demo data on first use."""
    path = (path or store.database_path()).resolve()
    with _lock:
        con = _connections.get(path)
        if con is None:
            fresh = not path.exists()
            con = store.connect(path)
            if fresh:
                # First start: a new user should see a living product, not empty screens.
                log.info("Creating %s with demo data", path)
                demo.fill(con.cursor())
            _connections[path] = con
        return con


def cursor() -> duckdb.DuckDBPyConnection:
    """Return a new cursor on the process's database (one per thread or session)."""
    return database().cursor()


def close_all() -> None:
    """Close every connection (at shutdown, and between tests)."""
    with _lock:
        for con in _connections.values():
            con.close()
        _connections.clear()
