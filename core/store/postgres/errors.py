"""PostgreSQL's failures in the user's words: a server gone, a full disk, a conflict, a duplicate key."""

from __future__ import annotations

import logging

import psycopg
from psycopg import errors as pg_errors

from core.errors import StoreUnavailable
from core.store.failures import CANNOT_READ, CANNOT_WRITE, OUT_OF_MEMORY, STOPPED, failure

log = logging.getLogger(__name__)

# SQLSTATEs a retry can cure: serialization failure, deadlock (both mean "another transaction won").
CONFLICT_STATES = frozenset({"40001", "40P01"})
UNIQUE_VIOLATION = "23505"

# SQLSTATE classes that mean the server, not this statement, is the problem.
_STATE_REASONS = {
    "53100": CANNOT_WRITE,  # disk_full
    "53200": OUT_OF_MEMORY,  # out_of_memory
    "53300": STOPPED,  # too_many_connections
    "57P01": STOPPED,  # admin_shutdown
    "57P02": STOPPED,  # crash_shutdown
    "57P03": STOPPED,  # cannot_connect_now (starting up or shutting down)
    "25006": CANNOT_WRITE,  # read_only_sql_transaction (a standby)
    "XX001": CANNOT_READ,  # data_corrupted
    "XX002": CANNOT_READ,  # index_corrupted
}

# What the user reads when the database server cannot be reached (the URL's password is never shown).
SERVER_GONE = "the database server cannot be reached"


def unavailable(exc: BaseException) -> StoreUnavailable | None:
    """Return the plain `StoreUnavailable` for a failure of the database itself, else None."""
    if isinstance(exc, StoreUnavailable):
        return exc
    if not isinstance(exc, psycopg.Error):
        return None
    reason = _STATE_REASONS.get(exc.sqlstate or "")
    if reason is not None:
        return failure(reason)
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        # No SQLSTATE: the connection itself failed (refused, dropped, timed out).
        return StoreUnavailable(
            f"Batch Unlock cannot use its data store: {SERVER_GONE}. Nothing was saved. Check "
            "that PostgreSQL is running and that BATCH_UNLOCK_DB points at it, then try again.",
            STOPPED,
        )
    return None


def raise_unavailable(exc: BaseException) -> None:
    """Raise the plain error for a store failure (logging the server's own words); else return."""
    found = unavailable(exc)
    if found is not None and found is not exc:
        log.error("Data store failure (%s): %s", found.reason, exc)
        raise found from exc


def is_conflict(exc: BaseException) -> bool:
    """Tell whether PostgreSQL refused a transaction because another one changed the same rows."""
    return isinstance(exc, psycopg.Error) and exc.sqlstate in CONFLICT_STATES


def is_constraint(exc: BaseException) -> bool:
    """Tell whether a write broke a key or unique constraint."""
    return isinstance(exc, pg_errors.UniqueViolation)
