"""PostgreSQL's side of `copy-store` (core.store.copying): whole tables out and in, in bounded chunks.

Out: a server-side (named) cursor, fetched `size` rows at a time, so a table of millions never
sits in memory at once. In: `COPY … FROM STDIN` in binary, each row's values dumped by psycopg
for the target column's type (text goes as it is: tabs, newlines, quotes; NULL stays NULL;
times as instants). COPY rather than the repositories' `unnest` arrays: a copy is one long
transaction on one connection anyway (so it works behind PgBouncer in transaction mode, as the
named cursor does), and COPY moves millions of rows without building arrays of them. The target's
indexes that back no constraint are dropped for the load and built again before the commit.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from core.store.copying import BOOL, INT, TABLES, TEXT, TIME, Check, CopyFailed
from core.store.postgres.base import Repository, frame_of
from core.store.postgres.errors import raise_unavailable
from core.store.postgres.migrations import m013_quests_held_list

if TYPE_CHECKING:
    import polars as pl

    from core.store.postgres.unit_of_work import PgUnitOfWork

_KINDS = {
    "bigint": INT,
    "integer": INT,
    "smallint": INT,
    "text": TEXT,
    "character varying": TEXT,
    "boolean": BOOL,
    "timestamp with time zone": TIME,
}
# The type psycopg dumps each kind's values as, in COPY's binary format (by column type).
_COPY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "text": "text",
    "character varying": "text",
    "boolean": "bool",
    "timestamp with time zone": "timestamptz",
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
_cursor_names = itertools.count(1)
INDEX_MEMORY = "256MB"  # for building the indexes again after the load (the default is 64MB)
LOCK_WAIT = "10s"  # how long the copy waits for a transaction writing to the target to end


def _id(name: str) -> str:
    """An identifier of our own schema (read from the catalog), quoted for PostgreSQL."""
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    """The server's own first line about a failure (it names no password)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PgTables(Repository):
    """Reading and writing whole tables of a PostgreSQL store for `core.store.copying`."""

    derived: frozenset[str] = frozenset()  # no user_lookup here: indexes do its work
    # Kept from other tables (m013's quests, from unlocks): not copied, nor compared; `finish`.
    derived_columns: frozenset[tuple[str, str]] = frozenset({("platform_users", "quests")})

    def __init__(self, uow: PgUnitOfWork) -> None:
        super().__init__(uow)
        self._copy_types: dict[str, list[tuple[str, str]]] = {}
        self._indexes: list[tuple[str, str]] = []  # dropped for the load: (name, definition)

    def begin(self, reading: bool) -> None:
        """Make the open transaction fit for a long copy (the source's: read only)."""
        if reading:
            self.rows("SET TRANSACTION READ ONLY")
        # Idle in its transaction while the other store works a chunk: the server must not end it.
        self.rows("SET LOCAL idle_in_transaction_session_timeout = 0")
        if reading:
            return
        # The target stays empty for everyone else until the copy commits: an app started on it
        # meanwhile (its first admin, a login) would add rows the checks never saw. Writers wait
        # for the copy, and the copy waits for them only so long.
        self.rows(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
        try:
            self.rows(f"LOCK TABLE {', '.join(map(_id, TABLES))} IN SHARE ROW EXCLUSIVE MODE")
            self._drop_indexes()
        except psycopg.errors.LockNotAvailable as exc:
            raise CopyFailed(
                "Another process kept using the target database, so nothing was copied: "
                "stop the apps and workers that use it, then copy again."
            ) from exc
        self.rows("SET LOCAL lock_timeout = 0")
        self.rows(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'")

    def _drop_indexes(self) -> None:
        """Drop the copied tables' indexes that back no constraint; `finish` builds them again.

        Building an index over a loaded table is several times faster than growing it row by row
        (trigrams most: 1M users took 25 s with it kept); a failed copy's rollback restores them."""
        self._indexes = self.rows(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                 WHERE c.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass)
               ORDER BY i.indexname""",
            [list(TABLES)],
        )
        if self._indexes:
            self.rows(f"DROP INDEX {', '.join(_id(name) for name, _ in self._indexes)}")

    def table_names(self) -> set[str]:
        """The names of the store's tables (in the connection's schema)."""
        return {
            name
            for (name,) in self.rows(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        }

    def _types(self, table: str) -> list[tuple[str, str]]:
        return self.rows(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [table],
        )

    def columns(self, table: str) -> list[tuple[str, str]]:
        """A table's (column, kind) in the table's order."""
        found = [(n, k) for n, k in self._types(table) if (table, n) not in self.derived_columns]
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
            f"SELECT {i} AS i, count(*) AS n FROM {_id(t)}" for i, t in enumerate(tables)
        )
        counts = dict(self.rows(f"SELECT i, n FROM ({union}) AS c"))
        return {table: counts[i] for i, table in enumerate(tables)}

    def chunks(self, table: str, columns: list[str], size: int) -> Iterator[pl.DataFrame]:
        """The table's rows, `size` at a time, as polars frames of `columns` (a named cursor)."""
        select = f"SELECT {', '.join(map(_id, columns))} FROM {_id(table)}"
        with self._uow.connection() as conn:
            try:
                # A counter's name, never user text; the cursor lives in the open transaction.
                with conn.cursor(name=f"copy_out_{next(_cursor_names)}") as cur:
                    cur.itersize = size
                    cur.execute(select)
                    while rows := cur.fetchmany(size):
                        yield frame_of(cur.description, rows)
            except psycopg.Error as exc:
                raise_unavailable(exc)
                raise CopyFailed(
                    f"The rows of the table {table} could not be read from the database: "
                    f"{_first_line(exc)}. Nothing was copied."
                ) from exc

    def load(self, table: str, frame: pl.DataFrame) -> None:
        """Insert a frame's rows into the table with one binary COPY."""
        if table not in self._copy_types:
            self._copy_types[table] = self._types(table)
        types = dict(self._copy_types[table])
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, frame.columns))
        )
        with self._uow.connection() as conn:
            try:
                with conn.cursor() as cur, cur.copy(statement) as copy:
                    copy.set_types([_COPY_TYPES[types[name]] for name in frame.columns])
                    for row in frame.iter_rows():
                        copy.write_row(row)
            except psycopg.Error as exc:
                raise_unavailable(exc)
                raise CopyFailed(
                    f"The rows of the table {table} could not be written into the database: "
                    f"{_first_line(exc)}. Nothing was copied (the copy was rolled back)."
                ) from exc
            except (ValueError, OverflowError) as exc:  # a value PostgreSQL's type cannot hold
                raise CopyFailed(
                    f"A row of the table {table} holds a value the database cannot store ({exc}). "
                    "Nothing was copied (the copy was rolled back)."
                ) from exc

    def totals(self, table: str, checks: list[Check]) -> list[object]:
        """Each check's value over the table, in order (one statement)."""
        parts = [_AGGREGATES[check.aggregate].format(c=_id(check.column or "")) for check in checks]
        return list(self.rows(f"SELECT {', '.join(parts)} FROM {_id(table)}")[0])

    def value_counts(self, table: str, column: str) -> dict[object, int]:
        """How many rows hold each value of a column."""
        c = _id(column)
        return dict(self.rows(f"SELECT {c}, count(*) FROM {_id(table)} GROUP BY {c}"))

    def sequence_positions(self) -> dict[str, int]:
        """The last value each sequence handed out (0 for one never used)."""
        return dict(
            self.rows(
                "SELECT sequencename::text, coalesce(last_value, 0) FROM pg_sequences "
                "WHERE schemaname = current_schema()"
            )
        )

    def advance_sequences(self, positions: dict[str, int]) -> None:
        """Set each sequence whose last value is below the position given to that position."""
        names = list(positions)
        self.rows(
            """SELECT setval(s.name::regclass, s.pos)
               FROM unnest(%s::text[], %s::bigint[]) AS s(name, pos)
               JOIN pg_sequences q ON q.sequencename = s.name AND q.schemaname = current_schema()
               WHERE s.pos > coalesce(q.last_value, 0)""",
            [names, [positions[name] for name in names]],
        )

    def finish(self) -> None:
        """Fill the derived columns, build the dropped indexes again, give the planner statistics."""
        self.rows(m013_quests_held_list.FILL)  # before its index is built again
        for _, definition in self._indexes:
            try:
                self.rows(definition)  # the catalog's own definition, as the migration made it
            except psycopg.errors.UniqueViolation as exc:
                detail = exc.diag.message_detail or str(exc).strip()
                raise CopyFailed(
                    f"The copied rows break a unique index of the database ({detail}). Nothing "
                    "was copied (the copy was rolled back)."
                ) from exc
        self.rows(f"ANALYZE {', '.join(map(_id, TABLES))}")


TABLES_CLASS = PgTables
