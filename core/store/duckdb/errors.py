"""DuckDB's failures in the user's words: a full disk, a damaged or locked file, a conflict."""

from __future__ import annotations

import logging

import duckdb

from core.errors import StoreUnavailable

log = logging.getLogger(__name__)

# What the user reads when the file itself fails; DuckDB's own words (with paths) go to the log.
CANNOT_WRITE = "the data file cannot be written (disk full or file permissions?)"
CANNOT_READ = "the data file cannot be read (it may be damaged or incomplete)"
OUT_OF_MEMORY = "the data store ran out of memory"
STOPPED = "the data store stopped after a serious error and needs a restart"
_ADVICE = {
    CANNOT_WRITE: "Nothing was saved. Free disk space or check the data file's permissions (or "
    "ask the operator to), then try again.",
    CANNOT_READ: "Ask the operator to check the disk and restore the data file from a backup, "
    "then restart Batch Unlock.",
    OUT_OF_MEMORY: "Nothing was saved. Try again in a moment; if it keeps happening, ask the "
    "operator to give Batch Unlock more memory.",
    STOPPED: "Nothing more can be saved until Batch Unlock is restarted. Ask the operator to "
    "free disk space if it is full and restart the app.",
}
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
    return StoreUnavailable(
        f"Batch Unlock cannot use its data store: {reason}. {_ADVICE[reason]}", reason
    )


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
