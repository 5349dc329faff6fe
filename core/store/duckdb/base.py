"""What every DuckDB repository shares: its unit of work's cursor, reads into rows or frames."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import duckdb

from core.store.duckdb.errors import raise_unavailable

if TYPE_CHECKING:
    import polars as pl

    from core.store.duckdb.unit_of_work import DuckUnitOfWork

_names = itertools.count()


class Repository:
    """Base of the DuckDB repositories: SQL runs on the unit of work's own cursor."""

    def __init__(self, uow: DuckUnitOfWork) -> None:
        self._uow = uow

    @staticmethod
    def sql(text: str) -> str:
        """Store-neutral SQL (core/store/shared/) in DuckDB's form: already it (`?` parameters)."""
        return text

    @property
    def cur(self) -> duckdb.DuckDBPyConnection:
        """The unit of work's cursor (one per thread)."""
        return self._uow.raw_cursor

    def rows(self, query: str, params: list | dict | None = None) -> list[tuple[Any, ...]]:
        """Run a statement and return all its rows."""
        try:
            return self.cur.execute(query, params or []).fetchall()
        except duckdb.Error as exc:
            raise_unavailable(exc)
            raise

    def scalar(self, query: str, params: list | dict | None = None) -> Any:
        """Run a statement and return the first column of its first row (None if no row)."""
        found = self.rows(query, params)
        return found[0][0] if found else None

    def frame(self, query: str, params: list | dict | None = None) -> pl.DataFrame:
        """Run a read into a polars frame (finishing any half-read result first)."""
        try:
            self.cur.complete()
            return self.cur.sql(query, params=params).pl()
        except duckdb.Error as exc:
            raise_unavailable(exc)
            raise

    @contextlib.contextmanager
    def registered(self, frame: pl.DataFrame, prefix: str = "frame") -> Iterator[str]:
        """Make a polars frame readable as a table for the statements in the block; yield its name."""
        name = f"_{prefix}_{next(_names)}"  # our own counter, never user text
        self.cur.register(name, frame)
        try:
            yield name
        finally:
            with contextlib.suppress(duckdb.Error):  # safe in an aborted transaction
                self.cur.unregister(name)
