"""The store as tests open it: a unit of work that also takes raw SQL, on a copy of a template.

Tests set up and check rows with plain SQL; domain code never gets that door (the unit of work
it is given in production has none, and tests/unit/test_design_guards.py keeps SQL out of core/).
Migrating a new file, even opening one, takes most of a small test's time: a session migrates
one template, and each test gets a copy of it, either as a file (`open_copy`, for tests that
need the file itself) or as an in-memory database attached to one DuckDB instance the session
shares (`SharedDuckDB`: ~7 ms instead of ~40).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

from core import store
from core.store.duckdb.unit_of_work import DuckUnitOfWork

# The stores the contract tests (tests/store) run on; every other test runs on DuckDB only.
STORE_KINDS = ("duckdb", "postgres")


class SqlUnitOfWork(DuckUnitOfWork):
    """A DuckDB unit of work with the cursor's SQL methods, for tests' setup and assertions only."""

    world = "empty"  # the template a test's store was copied from (tests/conftest.py)

    def execute(self, query: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        """Run one statement on this unit of work's cursor; return the cursor to fetch from."""
        return self.raw_cursor.execute(query, parameters)

    def executemany(self, query: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        """Run one statement once per parameter set."""
        return self.raw_cursor.executemany(query, parameters)

    def sql(self, query: str, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyRelation:
        """A relation of a query (DuckDB's `sql`)."""
        return self.raw_cursor.sql(query, *args, **kwargs)

    def fetchone(self) -> tuple | None:
        """The next row of the last statement."""
        return self.raw_cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        """Every row left of the last statement."""
        return self.raw_cursor.fetchall()

    def fetchmany(self, size: int = 1) -> list[tuple]:
        """The next `size` rows of the last statement."""
        return self.raw_cursor.fetchmany(size)

    def pl(self) -> Any:
        """The last statement's rows as a polars frame."""
        return self.raw_cursor.pl()

    def df(self) -> Any:
        """The last statement's rows as a pandas frame."""
        return self.raw_cursor.df()

    fetchdf = df

    def register(self, name: str, frame: Any) -> duckdb.DuckDBPyConnection:
        """Read a frame as a view of this cursor."""
        return self.raw_cursor.register(name, frame)

    def unregister(self, name: str) -> duckdb.DuckDBPyConnection:
        """Drop a view `register` made."""
        return self.raw_cursor.unregister(name)

    def table(self, name: str) -> duckdb.DuckDBPyRelation:
        """A relation of a table."""
        return self.raw_cursor.table(name)

    def begin(self) -> duckdb.DuckDBPyConnection:
        """Open a transaction by hand (a test that holds one open against another writer)."""
        return self.raw_cursor.begin()

    def commit(self) -> duckdb.DuckDBPyConnection:
        """Commit the transaction opened by hand."""
        return self.raw_cursor.commit()

    def rollback(self) -> duckdb.DuckDBPyConnection:
        """Roll back the transaction opened by hand."""
        return self.raw_cursor.rollback()

    @property
    def description(self) -> Any:
        """The columns of the last statement."""
        return self.raw_cursor.description

    def cursor(self) -> SqlUnitOfWork:
        """A new unit of work on its own cursor (another thread's), with the same SQL methods."""
        return with_sql(super().cursor())


def with_sql(uow: Any) -> Any:
    """The same unit of work, given the SQL methods (a DuckDB one; any other is returned as is)."""
    if isinstance(uow, DuckUnitOfWork) and not isinstance(uow, SqlUnitOfWork):
        uow.__class__ = SqlUnitOfWork  # same object and state: only the methods are added
    return uow


def sql_view(uow: Any) -> Any:
    """The store of a unit of work the app or the CLI made, seen as a SqlUnitOfWork.

    A second object on the same cursor and state: the test's raw SQL runs on it, while the app's
    own unit of work keeps no SQL door.
    """
    if isinstance(uow, SqlUnitOfWork) or not isinstance(uow, DuckUnitOfWork):
        return uow
    view = object.__new__(SqlUnitOfWork)  # not copy.copy: it asks a half-made object for attributes
    for name, value in vars(uow).items():
        # Its repositories are rebound to the view, so that they join the view's transactions.
        if hasattr(value, "__dict__") and any(v is uow for v in vars(value).values()):
            repository = object.__new__(type(value))
            repository.__dict__.update({k: view if v is uow else v for k, v in vars(value).items()})
            value = repository
        setattr(view, name, value)
    return view


def open_store(path: str | os.PathLike) -> SqlUnitOfWork:
    """`core.store.connect` (open, migrate) for a test: the unit of work also takes raw SQL."""
    return with_sql(store.connect(path))


def make_template(path: Path) -> Path:
    """A migrated, empty data file to copy (see `open_copy`)."""
    store.connect(path).close()
    return path


def open_copy(template: Path, path: Path) -> SqlUnitOfWork:
    """Open a copy of the migrated template at `path` (as `open_store` would, without migrating)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return open_store(path)


class AttachedSqlUnitOfWork(SqlUnitOfWork):
    """A unit of work on a database attached to the session's shared instance (see SharedDuckDB)."""

    shared: SharedDuckDB
    database: str

    def cursor(self) -> AttachedSqlUnitOfWork:
        """A new unit of work on its own cursor, reading and writing the same database."""
        return self.shared.adopt(DuckUnitOfWork.cursor(self), self.database)


class SharedDuckDB:
    """One in-memory DuckDB for the session; each test's store is a copy of the template in it.

    A new cursor of a DuckDB connection starts on the instance's default database, so every
    cursor handed out here is first pointed (`USE`) at its test's database.
    """

    def __init__(self) -> None:
        self.base = duckdb.connect(":memory:")
        self._names = itertools.count(1)
        self._templates: dict[Path, str] = {}
        self._open: dict[str, list[DuckUnitOfWork]] = {}

    def open(self, template: Path) -> AttachedSqlUnitOfWork:
        """A store of its own: an in-memory copy of a template file (attached once, read-only)."""
        if template not in self._templates:
            self._templates[template] = f"template_{len(self._templates) + 1}"
            self.base.execute(f"ATTACH '{template}' AS {self._templates[template]} (READ_ONLY)")
        database = f"store_{next(self._names)}"
        self.base.execute(f"ATTACH ':memory:' AS {database}")
        self.base.execute(f"COPY FROM DATABASE {self._templates[template]} TO {database}")
        self._open[database] = []
        return self.adopt(DuckUnitOfWork(self.base.cursor()), database)

    def adopt(self, uow: DuckUnitOfWork, database: str) -> AttachedSqlUnitOfWork:
        uow.raw_cursor.execute(f"USE {database}")
        uow.__class__ = AttachedSqlUnitOfWork
        uow.shared, uow.database = self, database
        self._open[database].append(uow)
        return uow

    def close(self, database: str) -> None:
        """Close every cursor of a test's store and drop the store."""
        for uow in self._open.pop(database, []):
            with contextlib.suppress(duckdb.Error):
                uow.close()
        with contextlib.suppress(duckdb.Error):
            self.base.execute(f"DETACH {database}")

    def shut(self) -> None:
        for database in list(self._open):
            self.close(database)
        self.base.close()
