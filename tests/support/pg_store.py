"""The PostgreSQL store as tests open it: a unit of work that also takes the tests' raw SQL.

Tests write their setup and checks in DuckDB's SQL with `?` and `$name` placeholders; for the
statements both databases understand alike, `execute` translates the placeholders to psycopg's
(`%s`, `%(name)s`) and runs them on this unit of work's connection. Each test gets a database of
its own, copied from a migrated template (CREATE DATABASE … TEMPLATE).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import psycopg

from core.store.postgres.base import frame_of
from core.store.postgres.connection import connect
from core.store.postgres.unit_of_work import BEGIN, PgUnitOfWork, rollback

# A quoted string (kept as is), a `?`, a `$name`, or a literal `%`.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\?|\$([A-Za-z_]\w*)|%")


def translate(query: str) -> str:
    """DuckDB-style placeholders (`?`, `$name`) as psycopg's, with literal `%` escaped."""

    def swap(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("'"):
            return text.replace("%", "%%")
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        return f"%({match.group(1)})s"

    return _TOKENS.sub(swap, query)


class PgSqlUnitOfWork(PgUnitOfWork):
    """A PostgreSQL unit of work with raw SQL methods, for tests' setup and assertions only."""

    world = "empty"
    database = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._description: Any = None
        self._rows: list[tuple[Any, ...]] = []
        self._by_hand: Any = None  # the pool's context of a transaction opened by `begin`

    def execute(self, query: str, parameters: Any = None) -> PgSqlUnitOfWork:
        """Run one statement (DuckDB-style placeholders); fetch its rows from this object."""
        with self.connection() as conn:
            cur = conn.execute(translate(query), parameters or None, prepare=False)
            self._description = cur.description
            self._rows = cur.fetchall() if cur.description is not None else []
        return self

    def executemany(self, query: str, parameters: Any) -> PgSqlUnitOfWork:
        """Run one statement once per parameter set."""
        with self.connection() as conn, conn.cursor() as cur:
            cur.executemany(translate(query), parameters)
        self._description, self._rows = None, []
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        """The next row of the last statement."""
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        """Every row left of the last statement."""
        rows, self._rows = self._rows, []
        return rows

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        """The next `size` rows of the last statement."""
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def pl(self) -> Any:
        """The last statement's rows as a polars frame."""
        return frame_of(self._description, self.fetchall())

    @property
    def description(self) -> Any:
        """The columns of the last statement."""
        return self._description

    def begin(self) -> PgSqlUnitOfWork:
        """Open a transaction by hand (a test that holds one open against another writer)."""
        self._by_hand = self.pool.connection()
        self._conn = self._by_hand.__enter__()
        self._conn.execute(BEGIN)
        return self

    def commit(self) -> PgSqlUnitOfWork:
        """Commit the transaction opened by hand."""
        return self._end("COMMIT")

    def rollback(self) -> PgSqlUnitOfWork:
        """Roll back the transaction opened by hand."""
        return self._end("ROLLBACK")

    def _end(self, statement: str) -> PgSqlUnitOfWork:
        conn, context = self._conn, self._by_hand
        self._conn, self._by_hand = None, None
        try:
            conn.execute(statement)
        except psycopg.Error:
            rollback(conn)
            raise
        finally:
            context.__exit__(None, None, None)
        return self

    def cursor(self) -> PgSqlUnitOfWork:
        """A new unit of work on the same pool, with the same SQL methods."""
        other = type(self)(self.pool)
        other.world, other.database = self.world, self.database
        return other


def open_pg_store(url: str, size: int = 4) -> PgSqlUnitOfWork:
    """`connect` (open, migrate) a database for a test: the unit of work also takes raw SQL."""
    uow = connect(url, size=size)
    uow.__class__ = PgSqlUnitOfWork
    PgSqlUnitOfWork.__init__(uow, uow.pool, owns_pool=True)
    return uow


_numbers = itertools.count(1)


def next_database_name(prefix: str = "t") -> str:
    """A database name no other test of this session uses (our counter, never user text)."""
    return f"{prefix}_{next(_numbers)}"
