"""What every PostgreSQL repository shares: its unit of work's connection, reads into rows or frames.

Sets of rows go in as arrays, one parameter per column, unpacked with `unnest` in the statement
that uses them (`Repository.unnest`): one round trip, no temporary table, and no session state, so
it works the same behind PgBouncer in transaction mode (a COPY into a temporary table would need
the temporary table's session to outlive the statement).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import polars as pl
import psycopg

from core.store.postgres.errors import raise_unavailable

if TYPE_CHECKING:
    from core.store.postgres.unit_of_work import PgUnitOfWork

# PostgreSQL type oids → the polars types DuckDB's frames carry for the same SQL types.
_POLARS_TYPES: dict[int, Any] = {
    16: pl.Boolean,
    20: pl.Int64,
    21: pl.Int16,
    23: pl.Int32,
    25: pl.String,
    1043: pl.String,
    1042: pl.String,
    700: pl.Float32,
    701: pl.Float64,
    1700: pl.Float64,
    1082: pl.Date,
    1114: pl.Datetime("us"),
    1184: pl.Datetime("us", "UTC"),
}

# polars types → the PostgreSQL array type an `unnest` parameter is cast to.
_ARRAY_TYPES = {
    pl.Int64: "bigint[]",
    pl.Int32: "integer[]",
    pl.Int16: "smallint[]",
    pl.UInt32: "bigint[]",
    pl.UInt64: "numeric[]",
    pl.String: "text[]",
    pl.Boolean: "boolean[]",
    pl.Float64: "double precision[]",
    pl.Date: "date[]",
}


def frame_of(description: Any, rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    """A polars frame of a result's rows, typed from the result's column types."""
    names = [column.name for column in description]
    schema = {
        name: _POLARS_TYPES.get(column.type_code)
        for name, column in zip(names, description, strict=True)
    }
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    data = {}
    for name, values in zip(names, columns, strict=True):
        dtype = schema[name]
        data[name] = pl.Series(name, list(values), dtype=dtype, strict=False)
    return pl.DataFrame(data) if data else pl.DataFrame()


@functools.lru_cache(maxsize=256)
def postgres_sql(text: str) -> str:
    """Store-neutral SQL (`?` parameters) in psycopg's form (`%s`).

    Refuses text with a `%` (psycopg would read it as a parameter: a literal one must be `%%`),
    a `?` inside a quoted literal (there it is no parameter), or anything where a `?` may be
    no parameter (a comment, a quoted name, a $$ string, jsonb's `?|` and `?&`), rather than
    change its meaning.
    """
    unsure = ("%", "--", "/*", '"', "$$", "?|", "?&")
    if any(mark in text for mark in unsure) or any("?" in part for part in text.split("'")[1::2]):
        raise ValueError(f"not store-neutral SQL (a %, comment, quoted ? or jsonb ?): {text!r}")
    return text.replace("?", "%s")


class Repository:
    """Base of the PostgreSQL repositories: SQL runs on the unit of work's connection."""

    def __init__(self, uow: PgUnitOfWork) -> None:
        self._uow = uow

    @staticmethod
    def sql(text: str) -> str:
        """Store-neutral SQL (core/store/shared/) in PostgreSQL's form: `?` → `%s`."""
        return postgres_sql(text)

    def rows(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run a statement and return all its rows (none for a statement without a result)."""
        with self._uow.connection() as conn:
            try:
                cur = conn.execute(query, params, prepare=False)
                return cur.fetchall() if cur.description is not None else []
            except psycopg.Error as exc:
                raise_unavailable(exc)
                raise

    def scalar(self, query: str, params: Any = None) -> Any:
        """Run a statement and return the first column of its first row (None if no row)."""
        found = self.rows(query, params)
        return found[0][0] if found else None

    def changed(self, query: str, params: Any = None) -> int:
        """Run a write and return how many rows it changed."""
        with self._uow.connection() as conn:
            try:
                return conn.execute(query, params, prepare=False).rowcount
            except psycopg.Error as exc:
                raise_unavailable(exc)
                raise

    def frame(self, query: str, params: Any = None) -> pl.DataFrame:
        """Run a read into a polars frame, typed like DuckDB's frames of the same SQL types."""
        with self._uow.connection() as conn:
            try:
                cur = conn.execute(query, params, prepare=False)
                return frame_of(cur.description, cur.fetchall())
            except psycopg.Error as exc:
                raise_unavailable(exc)
                raise

    @staticmethod
    def unnest(frame: pl.DataFrame, columns: list[str] | None = None) -> tuple[str, list[Any]]:
        """`unnest(%s::T[], …) AS t(c, …)` over a frame's columns, and its parameters (one per column).

        Used as a relation: `SELECT … FROM {relation}`. Column names come from our own frames,
        never from user text.
        """
        names = columns or frame.columns
        casts, params = [], []
        for name in names:
            series = frame[name]
            casts.append(f"%s::{_ARRAY_TYPES.get(series.dtype.base_type(), 'text[]')}")
            if series.dtype.base_type() == pl.Datetime:
                casts[-1] = "%s::timestamptz[]"
            params.append(series.to_list())
        relation = f"unnest({', '.join(casts)}) AS t({', '.join(names)})"
        return relation, params
