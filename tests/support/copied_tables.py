"""Every table copy-store copies, read with the drivers themselves (not with copy-store's readers),
in a form two stores' copies compare equal in."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import psycopg
from polars.testing import assert_frame_equal

from core.store.copying import TABLES
from core.store.postgres.base import frame_of
from core.store.postgres.tables import PgTables


def _normal(frame: pl.DataFrame) -> pl.DataFrame:
    """Columns by name, times in UTC, rows sorted."""
    frame = frame.select(sorted(frame.columns))
    frame = frame.with_columns(
        pl.col(name).dt.convert_time_zone("UTC")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone
    )
    return frame.sort(frame.columns, nulls_last=True)


def read_tables(location: str | Path) -> dict[str, pl.DataFrame]:
    """Every copied table of a store (a data file or a PostgreSQL URL)."""
    if str(location).startswith("postgresql://"):
        with psycopg.connect(str(location)) as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            found = {}
            for table in TABLES:
                cur = conn.execute(f"SELECT * FROM {table}")
                frame = frame_of(cur.description, cur.fetchall())
                # Columns derived from the others (never copied, filled after a load; DuckDB has
                # none) are checked by tests/store/test_quests_held_count.py.
                derived = [c for t, c in PgTables.derived_columns if t == table]
                found[table] = _normal(frame.drop(derived))
            return found
    con = duckdb.connect(str(location), read_only=True)
    try:
        return {table: _normal(con.sql(f"SELECT * FROM {table}").pl()) for table in TABLES}
    finally:
        con.close()


def assert_same_tables(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> None:
    """Every table equal in both, or an error naming the first that differs."""
    for table in TABLES:
        try:
            assert_frame_equal(a[table], b[table])
        except AssertionError as exc:
            raise AssertionError(f"{table}: {exc}") from exc
