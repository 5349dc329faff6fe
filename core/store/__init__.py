"""The store: the port domain code talks to (`ports/`) and the adapters behind it (`duckdb/`).

This module is the store-neutral entry for composition roots (the web runtime, the command line,
tests): open a store by its location and translate its failures. Domain code never imports it;
it receives a unit of work.
"""

from __future__ import annotations

import os

from core.errors import StoreUnavailable
from core.store.failures import CANNOT_READ, CANNOT_WRITE, OUT_OF_MEMORY, STOPPED
from core.store.ports import UnitOfWork

__all__ = ["CANNOT_READ", "CANNOT_WRITE", "OUT_OF_MEMORY", "STOPPED", "connect", "unavailable"]


def connect(location: str | os.PathLike) -> UnitOfWork:
    """Open the store at `location` (a DuckDB data file), bringing its schema up to date."""
    from core.store.duckdb.connection import connect as connect_duckdb  # the only adapter today

    return connect_duckdb(location)


def unavailable(exc: BaseException) -> StoreUnavailable | None:
    """The plain `StoreUnavailable` for a failure of the store itself (disk, damage), else None."""
    from core.store.duckdb.errors import unavailable as duckdb_unavailable

    return duckdb_unavailable(exc)
