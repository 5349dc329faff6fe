"""DuckDB's failures in the user's words: a full disk, a damaged or locked file, a conflict."""

from __future__ import annotations

import logging

import duckdb

from core.errors import StoreUnavailable
from core.store.failures import CANNOT_READ, CANNOT_WRITE, OUT_OF_MEMORY, STOPPED, failure

log = logging.getLogger(__name__)

# DuckDB words that mean the file or its log cannot be written (checked in lower case).
_WRITE_WORDS = (
    "could not write",
    "no space left",
    "disk is full",
    "read-only",
    "read only",
    "permission denied",
)


_DAMAGE_WORDS = ("corrupt database file", "checksum", "not a valid duckdb database")


def unavailable(exc: BaseException) -> StoreUnavailable | None:
    """Return the plain `StoreUnavailable` for a failure of the data file itself, else None.

    Covers a full disk or an unwritable file (IO errors, "Could not write file ….wal" at commit,
    a read-only file), a damaged file ("Could not read enough bytes"), running out of memory, and
    a store DuckDB invalidated after such an error. Conflicts and constraint violations are not
    store failures: they return None and keep their own handling.
    """
    if isinstance(exc, StoreUnavailable):
        return exc
    if not isinstance(exc, duckdb.Error):
        return None
    text = str(exc).lower()
    if isinstance(exc, duckdb.OutOfMemoryException):
        reason = OUT_OF_MEMORY
    elif isinstance(exc, duckdb.FatalException) or "invalidated" in text:
        reason = STOPPED
    elif any(word in text for word in _WRITE_WORDS) and isinstance(
        exc, duckdb.IOException | duckdb.TransactionException | duckdb.InvalidInputException
    ):
        reason = CANNOT_WRITE
    elif (isinstance(exc, duckdb.IOException) and "lock" not in text) or any(
        word in text for word in _DAMAGE_WORDS
    ):
        # A damaged file can surface as DuckDB's base Error ("Corrupt database file: computed
        # checksum … does not match"), not only as an IOException.
        reason = CANNOT_READ
    else:
        return None
    return failure(reason)


def raise_unavailable(exc: BaseException) -> None:
    """Raise the plain error for a store failure (logging DuckDB's own words); else return."""
    failure = unavailable(exc)
    if failure is not None and failure is not exc:
        log.error("Data store failure (%s): %s", failure.reason, exc)
        raise failure from exc


def is_conflict(exc: BaseException) -> bool:
    """Tell whether DuckDB refused a write because another transaction changed the same rows."""
    return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()


def is_constraint(exc: BaseException) -> bool:
    """Tell whether a write broke a key or unique constraint (at the statement or at COMMIT)."""
    if isinstance(exc, duckdb.ConstraintException):
        return True
    # Two writers inserting one key at once: DuckDB reports it at COMMIT as a TransactionException.
    return (
        isinstance(exc, duckdb.TransactionException) and "constraint violation" in str(exc).lower()
    )
