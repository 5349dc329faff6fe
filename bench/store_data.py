"""The data bench/bench_stores.py measures, built once on each store: DuckDB files and PostgreSQL databases.

Each data set is first built in a DuckDB file by the existing benchmarks' own builders
(set-based SQL: `bench_preview.generate` + the matching index, `bench_list.build`,
`bench_publish.build`), then copied into a PostgreSQL database: the database is migrated by the
product's own `core.store.connect`, its indexes and keys are dropped, every table is exported by
DuckDB's `COPY … TO` (CSV) and streamed into PostgreSQL's `COPY … FROM STDIN`, then the keys and
indexes are built again from their own definitions, the sequences are moved past the ids and
`VACUUM (ANALYZE)` leaves fresh statistics and a visibility map, as on a long-running server.
So both stores hold the very same rows: the same upload finds the same users, and the two
stores' answers can be compared. Everything goes to a side name first (`….building`), renamed
when complete, so an interrupted build is never taken for a finished one.

The PostgreSQL server is a throwaway one (`tests/support/postgres.py`); with a kept folder its
data directory stays there and is started again by a later run.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from bench import bench_list, bench_preview, bench_publish
from tests.support.postgres import SETTINGS, PostgresServer, drop_database, find_binaries
from tests.support.store import open_store

# Server settings of the benchmark on top of the throwaway server's (durability off, see
# tests/support/postgres.py): room for the 10M-user indexes in shared memory.
BENCH_SETTINGS = {"shared_buffers": "1GB", "max_wal_size": "4GB"}
# Index builds after the load: one sort in memory rather than many merge passes on disk.
BUILD_SESSION = ("SET maintenance_work_mem = '1GB'", "SET max_parallel_maintenance_workers = 2")
CLUSTER_RECORD = "pg_cluster.txt"  # in a kept folder: where the server's data directory is
COPY_BLOCK = 1 << 20


@dataclass
class Built:
    """One data set on both stores."""

    duck: Path
    pg_url: str
    pg_name: str
    seconds: dict[str, float] = field(default_factory=dict)  # build steps (empty: reused)


class Workspace:
    """A folder of DuckDB files and one PostgreSQL server holding the benchmark's databases."""

    def __init__(self, folder: Path, keep: bool, settings: dict[str, str] | None = None) -> None:
        """Use `folder` (kept afterwards if `keep`); the server starts in `start()`."""
        self.folder = folder
        self.keep = keep
        self.settings = {**BENCH_SETTINGS, **(settings or {})}
        self.server: PostgresServer | None = None
        self.reused_server = False

    def start(self) -> PostgresServer:
        """Start the server: the kept one of an earlier run, else a new one in the folder."""
        self.folder.mkdir(parents=True, exist_ok=True)
        record = self.folder / CLUSTER_RECORD
        if self.keep and record.exists():
            data_dir = Path(record.read_text().strip())
            if (data_dir / "PG_VERSION").exists():
                self.server = _restart(data_dir, self.settings)
                self.reused_server = True
                return self.server
        server = PostgresServer.start(
            self.folder / "postgres", settings=self.settings, use_env=False
        )
        self.server = server
        if self.keep:
            if server._remove_dir:  # the cluster went to the system temp dir and would be lost
                server.stop()
                raise SystemExit(
                    f"--keep {self.folder}: the postgres user cannot enter that folder (or its "
                    "path is too long for a socket); give a folder under /tmp."
                )
            record.write_text(f"{server.data_dir}\n")
        return server

    def stop(self) -> None:
        """Stop the server; without `keep`, remove the folder too."""
        try:
            if self.server is not None:
                self.server.stop()
        finally:
            if not self.keep:
                shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Workspace:
        """Start the server for a with block."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the server, even on an error."""
        self.stop()

    @property
    def pg(self) -> PostgresServer:
        """The running server."""
        assert self.server is not None, "start() the workspace first"
        return self.server

    # --- the three data sets -------------------------------------------------------------

    def users(self, n_users: int) -> Built:
        """n users (bench_preview's: 2% deactivated, 1% holding quest 1, a 1,000-user draft)."""
        name = f"users_{n_users}"

        def build_duck(side: Path) -> None:
            bench_preview.generate(side, n_users)
            bench_preview.build_index(side)  # DuckDB's user_lookup, as the first preview makes it
            side.with_suffix(".csv").replace(self.folder / f"{name}.csv")

        return self._both(name, build_duck)

    def upload(self, n_users: int) -> bytes:
        """The 5,000-row upload bench_preview made for that data set (every kind of row)."""
        return (self.folder / f"users_{n_users}.csv").read_bytes()

    def batch_list(self, n_batches: int, n_batch_users: int) -> Built:
        """bench_list's history: n batches over three years, n batch users, their unlocks."""

        def build_duck(side: Path) -> None:
            uow = open_store(side)
            try:
                bench_list.build(uow, n_batches, n_batch_users)
            finally:
                uow.close()

        return self._both(f"list_{n_batches}_{n_batch_users}", build_duck)

    def publishing(self, n_users: int, n_history: int) -> Built:
        """bench_publish's store: users (2% deactivated), 200 quests, finished 5,000-user batches."""

        def build_duck(side: Path) -> None:
            uow = open_store(side)
            try:
                uow.transaction(lambda u: bench_publish.build(u, n_users, n_history))
                uow.execute("CHECKPOINT")
            finally:
                uow.close()

        return self._both(f"publish_{n_users}_{n_history}", build_duck)

    # --- copies for benchmarks that write --------------------------------------------------

    @contextlib.contextmanager
    def scratch(self, built: Built, label: str) -> Iterator[tuple[Path, str]]:
        """A throwaway copy of a data set on both stores (file, database URL), removed after."""
        duck = self.folder / f"{label}.duckdb"
        for leftover in (duck, Path(f"{duck}.wal")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(built.duck, duck)
        drop_database(self.pg.url, label)
        with psycopg.connect(self.pg.url, autocommit=True) as con:
            # FILE_COPY: a copy of the files after a checkpoint, not a WAL record per block.
            con.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(label), sql.Identifier(built.pg_name)
                )
            )
        try:
            yield duck, self.pg.url_for(label)
        finally:
            drop_database(self.pg.url, label)
            for leftover in (duck, Path(f"{duck}.wal")):
                leftover.unlink(missing_ok=True)

    # --- building ---------------------------------------------------------------------------

    def _both(self, name: str, build_duck) -> Built:
        """The data set `name` on both stores, reusing what a kept folder already holds."""
        seconds: dict[str, float] = {}
        duck = self.folder / f"{name}.duckdb"
        if not duck.exists():
            side = self.folder / f"{name}.building.duckdb"
            for leftover in (side, Path(f"{side}.wal"), side.with_suffix(".csv")):
                leftover.unlink(missing_ok=True)
            started = time.perf_counter()
            build_duck(side)
            side.replace(duck)
            seconds["duckdb build"] = time.perf_counter() - started
            drop_database(self.pg.url, name)  # built from an older file: build it again
        if _database_label(self.pg.url, name) != schema_label():
            # Missing, or built by other migrations (its indexes would not be today's).
            drop_database(self.pg.url, name)
            seconds.update(copy_into_postgres(duck, self.pg, name))
        return Built(duck, self.pg.url_for(name), name, seconds)


def _restart(data_dir: Path, settings: dict[str, str]) -> PostgresServer:
    """Start the kept cluster in `data_dir` again (a new free port); it is stopped at exit."""
    bin_dir = find_binaries()
    if (data_dir / "postmaster.pid").exists():
        # A run that was killed left its server up: stop it before starting ours.
        PostgresServer._pg_ctl(bin_dir, data_dir, ["-m", "fast", "-w", "stop"])
    port = PostgresServer._pg_ctl_start(bin_dir, data_dir, None, {**SETTINGS, **settings})
    server = PostgresServer(
        f"postgresql://postgres@127.0.0.1:{port}/postgres", data_dir=data_dir, bin_dir=bin_dir
    )
    atexit.register(server.stop)
    return server


def schema_label() -> str:
    """A fingerprint of the PostgreSQL migrations, kept as the built database's comment."""
    from core.store.postgres.migrations import all_migrations

    text = repr([(m.version, m.statements) for m in all_migrations()])
    return "bench_stores " + hashlib.sha256(text.encode()).hexdigest()[:16]


def _database_label(admin_url: str, name: str) -> str | None:
    """The comment of database `name` (None if there is no such database)."""
    with psycopg.connect(admin_url, autocommit=True) as con:
        row = con.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            "WHERE datname = %s",
            [name],
        ).fetchone()
    return None if row is None else row[0]


def _columns(rows: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def copy_into_postgres(duck: Path, server: PostgresServer, name: str) -> dict[str, float]:
    """Copy every table of a DuckDB store into a new PostgreSQL database `name`; return step seconds."""
    from core.store import connect

    side = f"{name}_building"
    drop_database(server.url, side)
    with psycopg.connect(server.url, autocommit=True) as con:
        con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(side)))
    connect(server.url_for(side)).close()  # the product's migrations make the schema
    seconds: dict[str, float] = {}
    export = duck.with_name(f"{name}.export.csv")
    source = open_store(duck)
    try:
        with psycopg.connect(server.url_for(side), autocommit=True) as pg:
            pg_columns = _columns(
                pg.execute(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
                ).fetchall()
            )
            duck_columns = _columns(
                source.execute(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
                ).fetchall()
            )
            tables = {}
            for table, columns in pg_columns.items():
                shared = [
                    c for c in columns if c in duck_columns.get(table, []) or (table, c) in DERIVED
                ]
                if table == "schema_version" or not shared:
                    continue
                if source.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]:
                    tables[table] = shared
            started = time.perf_counter()
            rebuild = _drop_keys_and_indexes(pg, list(tables))
            seconds["postgres drop indexes"] = time.perf_counter() - started
            started = time.perf_counter()
            for table, columns in tables.items():
                _copy_table(source, pg, table, columns, export)
            seconds["postgres COPY"] = time.perf_counter() - started
            for statement in BUILD_SESSION:
                pg.execute(statement)
            for label, statement in rebuild:
                started = time.perf_counter()
                pg.execute(statement)
                seconds[f"postgres index {label}"] = time.perf_counter() - started
            _advance_sequences(pg)
            started = time.perf_counter()
            for table in tables:
                pg.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
            seconds["postgres VACUUM ANALYZE"] = time.perf_counter() - started
    finally:
        source.close()
        export.unlink(missing_ok=True)
    with psycopg.connect(server.url, autocommit=True) as con:
        con.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(side), sql.Literal(schema_label())
            )
        )
        con.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(side), sql.Identifier(name)
            )
        )
    return seconds


def _drop_keys_and_indexes(
    pg: psycopg.Connection, tables: list[str]
) -> list[tuple[str, sql.Composable]]:
    """Drop the loaded tables' indexes and keys; return the statements that make them again.

    Loading rows into a table without indexes and building each index once afterwards (one
    sort) is many times faster than keeping every index up to date row by row.
    """
    keys = pg.execute(
        """SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
           WHERE k.contype IN ('p', 'u') AND c.relnamespace = 'public'::regnamespace
             AND c.relname = ANY(%s) ORDER BY 1, 2""",
        [tables],
    ).fetchall()
    indexes = pg.execute(
        """SELECT t.relname, x.relname, pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
           JOIN pg_class t ON t.oid = i.indrelid
           WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
           ORDER BY 1, 2""",
        [tables],
    ).fetchall()
    rebuild: list[tuple[str, sql.Composable]] = []
    for _table, index, definition in indexes:
        pg.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
        rebuild.append((index, sql.SQL(definition)))  # the catalog's own text of our migration
    for table, key, definition in keys:
        pg.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(key)
            )
        )
        rebuild.append(
            (
                key,
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                    sql.Identifier(table), sql.Identifier(key)
                )
                + sql.SQL(definition),
            )
        )
    # Keys first: other indexes of a table are built while its heap is already in the cache.
    return rebuild[len(indexes) :] + rebuild[: len(indexes)]


# PostgreSQL's columns kept from other tables, which DuckDB has not: written by the export
# (m013's list of quests held, from the unlocks, as `{1,2}`), not by an UPDATE after the COPY,
# which would leave a dead row version behind for every holder.
DERIVED = {
    ("platform_users", "quests"): (
        "coalesce(h.quests, '{}')",
        "LEFT JOIN (SELECT user_id, '{' || string_agg(CAST(quest_id AS VARCHAR), ',' "
        "ORDER BY quest_id) || '}' AS quests FROM unlocks GROUP BY user_id) h "
        "ON h.user_id = t.id",
    )
}


def _copy_table(
    source, pg: psycopg.Connection, table: str, columns: list[str], export: Path
) -> None:
    """One table from DuckDB to PostgreSQL: DuckDB writes a CSV file, COPY streams it in."""
    derived = [DERIVED[table, c] for c in columns if (table, c) in DERIVED]
    selected = ", ".join(
        DERIVED[table, c][0] if (table, c) in DERIVED else f't."{c}"' for c in columns
    )
    # Rows in the source's order (a join may reorder them): the heap then lies as DuckDB's does.
    joins = " ".join(join for _, join in derived) + (" ORDER BY t.id" if derived else "")
    target = str(export).replace("'", "''")
    source.execute(
        f"COPY (SELECT {selected} FROM \"{table}\" t {joins}) TO '{target}' "
        "(FORMAT csv, HEADER false)"
    )
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with pg.cursor() as cur, cur.copy(statement) as copy, export.open("rb") as rows:
        while block := rows.read(COPY_BLOCK):
            copy.write(block)
    export.unlink()


def _advance_sequences(pg: psycopg.Connection) -> None:
    """Move each id sequence past the largest id loaded (as the DuckDB builders' setval)."""
    owned = pg.execute(
        """SELECT table_name, column_name,
                  substring(column_default FROM 'nextval\\(''([^'']+)''')
           FROM information_schema.columns
           WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'"""
    ).fetchall()
    for table, column, sequence in owned:
        pg.execute(
            sql.SQL(
                "SELECT setval({seq}::regclass, coalesce(max({col}), 0) + 1, false) FROM {table}"
            ).format(
                seq=sql.Literal(sequence), col=sql.Identifier(column), table=sql.Identifier(table)
            )
        )


class PgBatches:
    """bench_publish.Batches on PostgreSQL: queued 5,000-user batches of fresh quests and users.

    Each draft gets a quest of its own (made here), so any number of runs finds no user who
    already holds it, where bench_publish cycles through its 160 spare quests.
    """

    def __init__(self, uow, n_users: int) -> None:
        """Make batches through `uow` (the product's PostgreSQL unit of work) of users 1..n."""
        self.uow = uow
        self.n_users = n_users
        self.made = 0

    def draft(self, size: int = bench_publish.BATCH) -> int:
        """Insert a draft with `size` random users (bench_publish's SQL in PostgreSQL's words)."""
        self.made += 1

        def work(uow) -> int:
            with uow.connection() as conn:
                quest = conn.execute(
                    "INSERT INTO quests (badge_id, name) VALUES (1, %s) RETURNING id",
                    [f"Bench quest {self.made}"],
                ).fetchone()[0]
                batch_id = conn.execute(
                    "INSERT INTO batches (name, quest_id, created_by) VALUES (%s, %s, 'bench') "
                    "RETURNING id",
                    [f"Bench {self.made}", quest],
                ).fetchone()[0]
                conn.execute(
                    """INSERT INTO batch_users (batch_id, user_id, added_via, added_by)
                       SELECT %(batch)s, i, 'cli', 'bench'
                       FROM generate_series(1, %(n)s::bigint) AS g(i)
                       ORDER BY hashint8extended(i, %(batch)s) LIMIT %(size)s""",
                    {"batch": batch_id, "n": self.n_users, "size": size},
                )
            uow.batches.refresh_counts([batch_id])
            return batch_id

        return self.uow.transaction(work)

    def queued(self, count: int = 1, size: int = bench_publish.BATCH) -> list[int]:
        """Make `count` drafts, then publish them one after the other (as admins would)."""
        from core.publishing import actions

        ids = [self.draft(size) for _ in range(count)]
        for batch_id in ids:
            actions.publish(self.uow, bench_publish.ADMIN, batch_id)
        return ids


def describe(built: Built) -> str:
    """One line: what was built and how long each step took (or that it was reused)."""
    if not built.seconds:
        return f"{built.pg_name}: reused"
    total = sum(built.seconds.values())
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in built.seconds.items() if v >= 0.05)
    return f"{built.pg_name}: built in {total:.1f} s ({steps})"


def folder_size_mb(path: Path) -> float:
    """Bytes under a folder, in MB (for the README's 'what it builds')."""
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6
        if path.exists()
        else 0.0
    )


def load_average() -> float:
    """The machine's 1-minute load average."""
    return os.getloadavg()[0]
