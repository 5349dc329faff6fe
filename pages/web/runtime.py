"""What one app process holds: its single database connection and its background publisher.

Plain Python (no streamlit) so the login routes and the page scripts share the same objects.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import duckdb

from core import demo, store
from core.publishing.worker import Worker

log = logging.getLogger("batch_unlock")

_lock = threading.RLock()  # start_worker() opens the database while holding it
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}


def database(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Return this process's connection to the data file, creating it on first use.

    Only the default file (or any, with BATCH_UNLOCK_DEMO=1) is created with demo data, so the
    README's first command opens a living product; any other new file starts empty and its
    first visit creates the first admin (/setup).
    """
    path = (path or store.database_path()).resolve()
    with _lock:
        con = _connections.get(path)
        if con is None:
            if not path.exists() and demo.wants_demo(path):
                log.info("Creating %s with demo data", path)
                demo.create_file(path)
            con = store.connect(path)
            _connections[path] = con
        return con


_worker: Worker | None = None


def start_worker() -> Worker:
    """Start the publisher thread of this process (once); it keeps going with no tab open."""
    global _worker  # one worker per process is the point
    with _lock:
        if _worker is None:
            _worker = Worker(database())
        _worker.start()
        return _worker


def worker() -> Worker | None:
    """Return the running publisher, if this process started one (the served app does)."""
    return _worker


def cursor() -> duckdb.DuckDBPyConnection:
    """Return a new cursor on the process's database (one per thread or session)."""
    return database().cursor()


def close_all() -> None:
    """Stop the publisher and close every connection (at shutdown, and between tests)."""
    global _worker
    if _worker is not None:
        _worker.stop()
        _worker = None
    with _lock:
        for con in _connections.values():
            con.close()
        _connections.clear()
