"""The PostgreSQL unit of work: connections from the process's pool, transactions that compose.

Isolation is REPEATABLE READ on purpose: it is snapshot isolation with "first updater wins", the
behaviour the DuckDB code was written against (two transactions that change one row: the second
fails with SQLSTATE 40001 and is run again). READ COMMITTED would let the second writer silently
build on rows its checks never saw (two sessions publishing one batch would both pass the
expected-version check); SERIALIZABLE adds predicate locks this code does not need and refuses
more harmless transactions. Outside a transaction each statement runs on its own (autocommit).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

import psycopg

from core.errors import DuplicateKey
from core.store.postgres import schema
from core.store.postgres.errors import is_conflict, is_constraint, raise_unavailable
from core.store.retry import ATTEMPTS, ConflictError, with_retries

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

T = TypeVar("T")

BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ"


def rollback(conn: psycopg.Connection) -> None:
    """Roll back the open transaction, if the connection still has one."""
    with contextlib.suppress(psycopg.Error):
        conn.execute("ROLLBACK")


class PgUnitOfWork:
    """One thread's (or session's) way into the PostgreSQL store.

    It holds no connection between statements: a read borrows one from the pool for the
    statement, a transaction for its whole length, so sessions do not pin connections.
    """

    def __init__(self, pool: ConnectionPool, owns_pool: bool = False) -> None:
        from core.store.postgres.repositories import attach

        self.pool = pool
        self._owns_pool = owns_pool
        self._conn: psycopg.Connection | None = None
        self._depth = 0
        attach(self)

    @property
    def in_transaction(self) -> bool:
        """Tell whether a transaction of this unit of work is open."""
        return self._depth > 0

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """The connection of the open transaction, else one borrowed from the pool for a moment."""
        if self._conn is not None:
            yield self._conn
            return
        try:
            borrowed = self.pool.connection()
            conn = borrowed.__enter__()
        except psycopg.Error as exc:
            raise_unavailable(exc)
            raise
        try:
            yield conn
        except BaseException as exc:
            borrowed.__exit__(type(exc), exc, exc.__traceback__)
            raise
        else:
            borrowed.__exit__(None, None, None)

    def transaction(self, work: Callable[[PgUnitOfWork], T], attempts: int = ATTEMPTS) -> T:
        """Run `work(self)` in one transaction (joining an open one); retry it on a conflict."""
        if self._depth:
            return work(self)
        return with_retries(lambda: self._once(work), attempts)

    def _once(self, work: Callable[[PgUnitOfWork], T]) -> T:
        with self.connection() as conn:
            try:
                conn.execute(BEGIN)
            except psycopg.Error as exc:
                raise_unavailable(exc)
                raise
            self._conn, self._depth = conn, 1
            try:
                result = work(self)
                conn.execute("COMMIT")
                return result
            except psycopg.Error as exc:
                rollback(conn)
                if is_conflict(exc):
                    raise ConflictError() from exc
                if is_constraint(exc):
                    raise DuplicateKey(str(exc)) from exc
                raise_unavailable(exc)
                raise
            except BaseException:
                rollback(conn)
                raise
            finally:
                self._conn, self._depth = None, 0

    def cursor(self) -> PgUnitOfWork:
        """A new unit of work on the same pool (for another thread)."""
        return type(self)(self.pool)

    def close(self) -> None:
        """Release this unit of work (the process's first one also closes the pool)."""
        if self._owns_pool:
            self.pool.close()

    def schema_version(self) -> int:
        """The highest schema migration applied to the store (0 for a new one)."""
        with self.connection() as conn:
            return schema.schema_version(conn)

    def probe(self) -> None:
        """Read what every request needs; raise `StoreUnavailable` if the store cannot serve it."""
        with self.connection() as conn:
            schema.probe(conn)
