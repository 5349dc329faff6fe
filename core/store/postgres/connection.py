"""Opening a PostgreSQL store: the process's connection pool, and the schema brought up to date."""

from __future__ import annotations

import logging
import os

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from core.errors import SchemaTooNew, StoreUnavailable
from core.store.failures import STOPPED
from core.store.postgres.migrations import all_migrations
from core.store.postgres.schema import schema_version
from core.store.postgres.unit_of_work import PgUnitOfWork, rollback

log = logging.getLogger(__name__)

POOL_ENV = "BATCH_UNLOCK_PG_POOL"
DEFAULT_POOL = 10
# One number, any value: replicas starting at once migrate one after the other.
_MIGRATION_LOCK = 7_240_318_111
CONNECT_TIMEOUT = 10


def is_postgres_url(location: object) -> bool:
    """Tell whether a store location names a PostgreSQL database (a postgresql:// URL)."""
    text = str(location)
    return text.startswith(("postgresql://", "postgres://"))


def where(url: str) -> str:
    """The database a URL names, for messages: host, port and name, never the password."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an unreadable postgresql:// URL)"
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def pool_size() -> int:
    """Connections this process may hold at most ($BATCH_UNLOCK_PG_POOL, default 10)."""
    try:
        size = int(os.environ.get(POOL_ENV, ""))
    except ValueError:
        return DEFAULT_POOL
    return size if size > 0 else DEFAULT_POOL


def _configure(conn: psycopg.Connection) -> None:
    # Frames carry UTC like DuckDB's; pages convert to the viewer's zone. A transaction left
    # idle by a stuck process is ended, so the rows it claimed go back to the other workers.
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute("SET idle_in_transaction_session_timeout = '60s'")
    # No JIT: a 5,000-row match costs just over jit_above_cost and paid ~15 ms of LLVM
    # compilation per preview; this app runs no long analytical scans that JIT would pay off for.
    conn.execute("SET jit = off")


def connect(url: str, size: int | None = None) -> PgUnitOfWork:
    """Open the database at `url`, bring its schema up to date; return the process's unit of work."""
    try:
        first = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        log.error("Cannot connect to PostgreSQL at %s: %s", where(url), exc)
        raise unreachable(url, exc) from exc
    with first:
        _configure(first)
        migrate(first)
    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=size or pool_size(),
        kwargs={"autocommit": True, "prepare_threshold": None, "connect_timeout": CONNECT_TIMEOUT},
        configure=_configure,
        timeout=30,
        name="batch-unlock",
        open=True,
    )
    return PgUnitOfWork(pool, owns_pool=True)


def unreachable(url: str, exc: psycopg.Error) -> StoreUnavailable:
    """The plain error for a database that cannot be reached or refuses us."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # libpq's first line says what failed (refused, no such database, password) without the password.
    return StoreUnavailable(
        f"Batch Unlock cannot connect to the PostgreSQL database {where(url)}: {text}. Check that "
        "the server runs, that the database exists and that BATCH_UNLOCK_DB (or --db) holds the "
        "right user and password, then try again.",
        STOPPED,
    )


def migrate(conn: psycopg.Connection, up_to: int | None = None) -> list[int]:
    """Apply the migrations this database lacks (up to `up_to`), each in one transaction."""
    migrations = all_migrations()
    latest = migrations[-1].version if migrations else 0
    conn.execute("SELECT pg_advisory_lock(%s)", [_MIGRATION_LOCK])
    try:
        current = schema_version(conn)
        if current > latest:
            raise SchemaTooNew(
                f"This database has schema version {current}, but this Batch Unlock only knows up "
                f"to version {latest}. Update Batch Unlock, or use another database."
            )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT, "
            "applied_at TIMESTAMPTZ DEFAULT current_timestamp)"
        )
        applied = []
        for migration in migrations:
            if migration.version <= current or (up_to is not None and migration.version > up_to):
                continue
            conn.execute("BEGIN")
            try:
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                    [migration.version, migration.name],
                )
                conn.execute("COMMIT")
            except Exception:
                rollback(conn)
                raise
            applied.append(migration.version)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [_MIGRATION_LOCK])
