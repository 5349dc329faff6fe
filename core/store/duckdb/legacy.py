"""TRANSITIONAL (issue 12): the old cursor-taking helpers, until every caller uses a unit of work."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import polars as pl

from core.store.duckdb.errors import raise_unavailable
from core.store.duckdb.unit_of_work import DuckUnitOfWork

T = TypeVar("T")


def as_uow(cur: Any) -> DuckUnitOfWork:
    """The unit of work behind `cur` (wrapping a bare DuckDB cursor)."""
    return cur if isinstance(cur, DuckUnitOfWork) else DuckUnitOfWork(cur)


def raw(cur: Any) -> duckdb.DuckDBPyConnection:
    """The DuckDB cursor behind `cur`."""
    return cur.raw_cursor if isinstance(cur, DuckUnitOfWork) else cur


def in_transaction(cur: Any, work: Callable[[Any], T], attempts: int = 8) -> T:
    """Run `work(cur)` in one transaction of `cur`'s unit of work, retried on a conflict."""
    return as_uow(cur).transaction(work, attempts)


def unregister(cur: Any, name: str) -> None:
    """Drop a registered frame; safe inside an aborted transaction."""
    with contextlib.suppress(duckdb.Error):
        raw(cur).unregister(name)


def frame(cur: Any, query: str, params: dict | list | None = None) -> pl.DataFrame:
    """Run a read query into a polars frame."""
    c = raw(cur)
    try:
        c.complete()
        return c.sql(query, params=params).pl()
    except duckdb.Error as exc:
        raise_unavailable(exc)
        raise


def get_setting(cur: Any, key: str, default: str | None = None) -> str | None:
    """Return a stored setting, or `default`."""
    try:
        rows = raw(cur).execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    except duckdb.Error as exc:
        raise_unavailable(exc)
        raise
    return rows[0][0] if rows else default


def set_setting(cur: Any, key: str, value: str) -> None:
    """Store a setting (joining an open transaction)."""
    in_transaction(
        cur,
        lambda c: raw(c).execute(
            "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        ),
    )
