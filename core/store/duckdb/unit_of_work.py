"""The DuckDB unit of work: one cursor, its repositories, and transactions that compose."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

import duckdb

from core.errors import DuplicateKey
from core.store.duckdb import schema
from core.store.duckdb.accounts import DuckAccounts
from core.store.duckdb.audit import DuckAudit
from core.store.duckdb.batches import DuckBatches
from core.store.duckdb.catalog import DuckCatalog
from core.store.duckdb.demo import DuckDemo
from core.store.duckdb.errors import is_conflict, is_constraint, raise_unavailable
from core.store.duckdb.history import DuckHistory
from core.store.duckdb.idempotency import DuckIdempotency
from core.store.duckdb.matching import DuckMatching
from core.store.duckdb.members import DuckMembers
from core.store.duckdb.publishing import DuckPublishing
from core.store.duckdb.settings import DuckSettings
from core.store.duckdb.tokens import DuckTokens
from core.store.duckdb.users import DuckUsers
from core.store.duckdb.webhooks import DuckWebhooks
from core.store.retry import ATTEMPTS, ConflictError, with_retries

T = TypeVar("T")


def rollback(cur: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if DuckDB has not already (after a failed COMMIT)."""
    with contextlib.suppress(duckdb.Error):  # DuckDB may have rolled back already.
        cur.execute("ROLLBACK")


class DuckUnitOfWork:
    """One thread's (or session's) way into the DuckDB store.

    DuckDB wants one connection per process and a cursor per thread: a unit of work owns one
    cursor. `transaction(work)` runs `work(self)` in one transaction, retried on a conflict; a
    transaction opened inside another joins it, so domain functions compose.
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self.raw_cursor = cursor
        self._depth = 0
        self.batches = DuckBatches(self)
        self.members = DuckMembers(self)
        self.matching = DuckMatching(self)
        self.publishing = DuckPublishing(self)
        self.history = DuckHistory(self)
        self.catalog = DuckCatalog(self)
        self.users = DuckUsers(self)
        self.accounts = DuckAccounts(self)
        self.settings = DuckSettings(self)
        self.audit = DuckAudit(self)
        self.demo = DuckDemo(self)
        self.tokens = DuckTokens(self)
        self.idempotency = DuckIdempotency(self)
        self.webhooks = DuckWebhooks(self)

    @property
    def in_transaction(self) -> bool:
        """Tell whether a transaction of this unit of work is open."""
        return self._depth > 0

    def transaction(self, work: Callable[[DuckUnitOfWork], T], attempts: int = ATTEMPTS) -> T:
        """Run `work(self)` in one transaction (joining an open one); retry it on a conflict."""
        if self._depth:
            return work(self)
        return with_retries(lambda: self._once(work), attempts)

    def _once(self, work: Callable[[DuckUnitOfWork], T]) -> T:
        cur = self.raw_cursor
        try:
            cur.execute("BEGIN TRANSACTION")
        except duckdb.Error as exc:
            raise_unavailable(exc)
            raise
        self._depth = 1
        try:
            result = work(self)
            cur.execute("COMMIT")
            return result
        except duckdb.Error as exc:
            rollback(self.raw_cursor)
            if is_conflict(exc):
                raise ConflictError() from exc
            if is_constraint(exc):
                raise DuplicateKey(str(exc)) from exc
            raise_unavailable(exc)  # "Failed to commit: Could not write file …wal"
            raise
        except BaseException:
            rollback(self.raw_cursor)
            raise
        finally:
            self._depth = 0

    def cursor(self) -> DuckUnitOfWork:
        """A new unit of work on its own cursor (for another thread)."""
        return type(self)(self.raw_cursor.cursor())

    def close(self) -> None:
        """Close this unit of work's cursor."""
        self.raw_cursor.close()

    def schema_version(self) -> int:
        """The highest schema migration applied to the store (0 for a new one)."""
        return schema.schema_version(self.raw_cursor)

    def probe(self) -> None:
        """Read what every request needs; raise `StoreUnavailable` if the store cannot serve it."""
        schema.probe(self.raw_cursor)
