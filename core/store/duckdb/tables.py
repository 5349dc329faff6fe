"""DuckDB's side of `copy-store` (core.store.copying): whole tables out and in, in bounded chunks.

Out: a query's rows streamed as Arrow record batches of `size` rows (the relation API streams;
a DB-API result would hold every row first). In: each chunk registered as a table and inserted
by one statement. DuckDB's sequences cannot be set, so they are advanced by drawing values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import duckdb

from core.store.copying import BOOL, INT, TEXT, TIME, Check, CopyFailed
from core.store.duckdb.base import Repository
from core.store.duckdb.errors import raise_unavailable

if TYPE_CHECKING:
    import polars as pl

_KINDS = {
    "BIGINT": INT,
    "INTEGER": INT,
    "SMALLINT": INT,
    "HUGEINT": INT,
    "UBIGINT": INT,
    "VARCHAR": TEXT,
    "BOOLEAN": BOOL,
    "TIMESTAMP WITH TIME ZONE": TIME,
}
_AGGREGATES = {
    "rows": "count(*)",
    "filled": "count({c})",
    "sum": "sum({c})",
    "max": "max({c})",
    "min": "min({c})",
    "length": "sum(length({c}))",
    "true": "count(*) FILTER (WHERE {c})",
}


def quoted(name: str) -> str:
    """An identifier of our own schema (a table or column name read from the catalog), quoted."""
    return '"' + name.replace('"', '""') + '"'


class DuckTables(Repository):
    """Reading and writing whole tables of a DuckDB store for `core.store.copying`."""

    derived = frozenset({"user_lookup", "user_lookup_state"})

    def begin(self, reading: bool) -> None:
        """Nothing to prepare: the file is this process's alone while it is open."""

    def table_names(self) -> set[str]:
        """The names of the store's tables."""
        return {
            name
            for (name,) in self.rows(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = current_schema() AND NOT temporary"
            )
        }

    def columns(self, table: str) -> list[tuple[str, str]]:
        """A table's (column, kind) in the table's order."""
        found = self.rows(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = current_schema() "
            "AND table_name = ? ORDER BY column_index",
            [table],
        )
        unknown = [f"{name} {kind}" for name, kind in found if kind not in _KINDS]
        if unknown:
            raise CopyFailed(
                f"copy-store cannot copy the column {unknown[0]} of the table {table}: its type "
                "is not one Batch Unlock uses. Nothing was copied."
            )
        return [(name, _KINDS[kind]) for name, kind in found]

    def row_counts(self, tables: tuple[str, ...]) -> dict[str, int]:
        """How many rows each table holds (one statement)."""
        union = " UNION ALL ".join(
            f"SELECT {i} AS i, count(*) AS n FROM {quoted(t)}" for i, t in enumerate(tables)
        )
        counts = dict(self.rows(f"SELECT i, n FROM ({union})"))
        return {table: counts[i] for i, table in enumerate(tables)}

    def chunks(self, table: str, columns: list[str], size: int) -> Iterator[pl.DataFrame]:
        """The table's rows, `size` at a time, as polars frames of `columns`."""
        import polars as pl

        select = f"SELECT {', '.join(map(quoted, columns))} FROM {quoted(table)}"
        try:
            self.cur.complete()
            reader = self.cur.sql(select).to_arrow_reader(size)
            try:
                for batch in reader:
                    yield pl.from_arrow(batch)
            finally:
                reader.close()  # an open result would refuse the cursor's next statement
        except duckdb.Error as exc:
            raise_unavailable(exc)
            raise CopyFailed(
                f"The rows of the table {table} could not be read from the data file: "
                f"{str(exc).strip().splitlines()[0]}. Nothing was copied."
            ) from exc

    def load(self, table: str, frame: pl.DataFrame) -> None:
        """Insert a frame's rows into the table, its columns by name (one statement)."""
        names = ", ".join(map(quoted, frame.columns))
        try:
            with self.registered(frame, "copy") as rows:
                self.rows(f"INSERT INTO {quoted(table)} ({names}) SELECT {names} FROM {rows}")
        except duckdb.Error as exc:
            raise_unavailable(exc)
            raise CopyFailed(
                f"The rows of the table {table} could not be written into the data file: "
                f"{str(exc).strip().splitlines()[0]}. Nothing was copied (the copy was rolled back)."
            ) from exc

    def totals(self, table: str, checks: list[Check]) -> list[object]:
        """Each check's value over the table, in order (one statement)."""
        parts = [
            _AGGREGATES[check.aggregate].format(c=quoted(check.column or "")) for check in checks
        ]
        return list(self.rows(f"SELECT {', '.join(parts)} FROM {quoted(table)}")[0])

    def value_counts(self, table: str, column: str) -> dict[object, int]:
        """How many rows hold each value of a column."""
        c = quoted(column)
        return dict(self.rows(f"SELECT {c}, count(*) FROM {quoted(table)} GROUP BY {c}"))

    def sequence_positions(self) -> dict[str, int]:
        """The last value each sequence handed out (0 for one never used)."""
        return dict(
            self.rows(
                "SELECT sequence_name, coalesce(last_value, 0) FROM duckdb_sequences() "
                "WHERE database_name = current_database() AND schema_name = current_schema()"
            )
        )

    def advance_sequences(self, positions: dict[str, int]) -> None:
        """Draw values from each sequence until its next one is past the position given."""
        now = self.sequence_positions()
        for name, wanted in positions.items():
            behind = wanted - now.get(name, 0)
            if behind > 0:
                # DuckDB has no setval: one statement draws the values it is behind.
                self.rows("SELECT max(nextval($seq)) FROM range($n)", {"seq": name, "n": behind})

    def finish(self) -> None:
        """Rebuild the user_lookup index from the copied users (derived data, never copied)."""
        self._uow.matching.sync_index(rebuild=True)


TABLES_CLASS = DuckTables
