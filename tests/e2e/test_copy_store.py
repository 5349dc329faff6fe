"""`copy-store` as a developer runs it: a demo file into PostgreSQL and back into a laptop file.

Every table's rows are compared as sorted frames read straight from each store (not through
copy-store's own readers), the app's reads (`batch list`, `batch show`, `quests`) must agree on
all three stores, and a refused or failed copy must leave its target as it was.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import duckdb
import polars as pl
import psycopg
import pytest

from tests.support.copied_tables import assert_same_tables, read_tables
from tests.support.pg_fixtures import PgStores

ROOT = Path(__file__).resolve().parents[2]
DEMO_USERS = "2000"


def run(*args: str, db: str | Path | None = None) -> subprocess.CompletedProcess:
    """Run `python -m core [--db DB] ARGS` as a developer would."""
    prefix = ["--db", str(db)] if db is not None else []
    return subprocess.run(
        [sys.executable, "-m", "core", *prefix, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy(source: str | Path, target: str | Path, *extra: str) -> subprocess.CompletedProcess:
    """Run `copy-store --from SOURCE --to TARGET`."""
    return run("copy-store", "--from", str(source), "--to", str(target), *extra)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo data file as the README makes it (2,000 users), made once for the module."""
    path = tmp_path_factory.mktemp("copy_store") / "demo.duckdb"
    made = run("init", "--demo", "--users", DEMO_USERS, db=path)
    assert made.returncode == 0, made.stderr
    return path


def own_copy(path: Path, folder: Path) -> Path:
    """A copy of a data file of the test's own."""
    own = folder / f"own-{path.name}"
    own.write_bytes(path.read_bytes())
    return own


def row_counts(location: str | Path) -> dict[str, int]:
    return {table: frame.height for table, frame in read_tables(location).items()}


def reads(location: str | Path, batch_ids: list[int]) -> list[object]:
    """What the app's commands answer on a store (JSON), for comparing stores."""
    answers = []
    for args in (
        ["batch", "list", "--json"],
        ["batch", "list", "--status", "Published", "--json"],
        ["quests", "--json"],
        ["account", "list", "--json"],
        *(["batch", "show", str(n), "--json"] for n in batch_ids),
    ):
        done = run(*args, db=location)
        assert done.returncode == 0, (args, done.stderr)
        answers.append(json.loads(done.stdout))
    return answers


def test_a_demo_file_goes_to_postgres_and_back_unchanged(
    demo_file: Path, pg_url: str, tmp_path: Path
) -> None:
    demo_file = own_copy(demo_file, tmp_path)  # this test writes to it at the end
    up = copy(demo_file, pg_url, "--json")
    assert up.returncode == 0, up.stderr
    report = json.loads(up.stdout)
    original = read_tables(demo_file)
    assert report["tables"] == {table: frame.height for table, frame in original.items()}
    assert report["from"] == f"data file {demo_file}"
    assert report["to"].startswith("database 127.0.0.1:") and "@" not in report["to"]
    assert report["tables"]["batch_users"] > 10_000 and report["tables"]["audit_log"] > 0

    laptop = tmp_path / "laptop.duckdb"
    down = copy(pg_url, laptop)
    assert down.returncode == 0, down.stderr
    assert "Row counts and totals match in every table" in down.stdout
    assert "batch_users" in down.stdout

    assert_same_tables(original, read_tables(pg_url))
    assert_same_tables(original, read_tables(laptop))

    batches = original["batches"]
    ids = [
        batches["id"].min(),
        batches["id"].max(),
        *batches.filter(pl.col("n_error") > 0)["id"][:2],
    ]
    expected = reads(demo_file, ids)
    assert reads(pg_url, ids) == expected
    assert reads(laptop, ids) == expected

    # Each store hands out the next id after the copied ones (the sequences were moved on).
    create = [
        "batch",
        "create",
        "--name",
        "After the copy",
        "--quest",
        "3",
        "--user",
        "7",
        "--json",
    ]
    made = [
        json.JSONDecoder().raw_decode(run(*create, db=where).stdout)[0]["id"]
        for where in (demo_file, pg_url, laptop)
    ]
    assert made == [batches["id"].max() + 1] * 3


def test_a_copy_from_postgres_is_of_one_moment_while_an_app_writes(
    demo_file: Path, pg_stores: PgStores, tmp_path: Path
) -> None:
    source = pg_stores.url()
    assert copy(demo_file, source).returncode == 0
    stop = threading.Event()
    written = []

    def app_writes() -> None:
        # As a running app would: audit entries and session rows keep arriving during the copy.
        with psycopg.connect(source, autocommit=True) as conn:
            while not stop.is_set():
                conn.execute(
                    "INSERT INTO audit_log (actor, action, detail) VALUES ('app', 'x', 'during')"
                )
                conn.execute(
                    "UPDATE batches SET n_users = n_users + 1 WHERE id = (SELECT min(id) FROM batches)"
                )
                written.append(1)

    writer = threading.Thread(target=app_writes)
    writer.start()
    try:
        done = copy(source, tmp_path / "moment.duckdb", "--json")
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert len(written) > 10  # the writes did overlap the copy
    copied = json.loads(done.stdout)["tables"]
    assert copied["audit_log"] < row_counts(source)["audit_log"]


def test_a_target_with_rows_is_refused_and_left_as_it_was(
    demo_file: Path, pg_url: str, tmp_path: Path
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('publish_rate', '7')")
    before = read_tables(pg_url)
    refused = copy(demo_file, pg_url)
    assert refused.returncode == 2
    assert refused.stdout == ""
    message = refused.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert "is not empty: its table settings has 1 rows" in message
    assert "nothing was copied" in message and "--to" in message
    assert_same_tables(before, read_tables(pg_url))

    # A laptop file that has data is refused the same way, the other way round.
    refused = copy(pg_url, demo_file)
    assert refused.returncode == 2
    assert f"The data file {demo_file} is not empty: its table platform_users has" in refused.stderr


def test_a_failure_mid_copy_leaves_the_target_empty(
    demo_file: Path, pg_url: str, tmp_path: Path
) -> None:
    bad = own_copy(demo_file, tmp_path)
    con = duckdb.connect(str(bad))
    # A NUL character: DuckDB stores it, PostgreSQL's text cannot. The audit log is copied last,
    # so every other table has been written when the copy fails.
    con.execute(
        "INSERT INTO audit_log (actor, action, detail) VALUES ('x', 'y', 'a' || chr(0) || 'b')"
    ).fetchall()
    con.close()
    failed = copy(bad, pg_url)
    assert failed.returncode == 1, failed.stderr
    message = failed.stderr.strip()
    assert message.startswith("The rows of the table audit_log could not be written"), message
    assert "Nothing was copied" in message and "Traceback" not in message
    assert set(row_counts(pg_url).values()) == {0}
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(last_value) FROM pg_sequences").fetchone() == (0,)
    # The same target then takes a good copy.
    assert copy(demo_file, pg_url).returncode == 0


def test_a_missing_source_is_an_error_and_nothing_is_created(tmp_path: Path) -> None:
    missing, target = tmp_path / "nowhere.duckdb", tmp_path / "copy.duckdb"
    done = copy(missing, target)
    assert done.returncode == 2
    assert f"the data file {missing} does not exist" in done.stderr
    assert not missing.exists() and not target.exists()


def test_the_same_store_on_both_sides_is_refused(demo_file: Path) -> None:
    done = copy(demo_file, demo_file)
    assert done.returncode == 2
    assert "--from and --to both name the data file" in done.stderr


def test_a_data_file_in_use_is_refused_with_the_lock_message(
    demo_file: Path, tmp_path: Path
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(demo_file)!r})
            print("ready", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "ready"
        target = tmp_path / "copy.duckdb"
        done = copy(demo_file, target)
        assert done.returncode == 2
        assert "in use by another process" in done.stderr and "Stop that process" in done.stderr
        assert not target.exists()
    finally:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


def test_a_failed_laptop_copy_leaves_no_new_file_and_an_old_one_empty(
    demo_file: Path, pg_url: str, tmp_path: Path
) -> None:
    assert copy(demo_file, pg_url).returncode == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        # A time PostgreSQL stores but Python cannot hold: reading the audit log (copied last)
        # fails after every other table went into the file.
        conn.execute(
            "INSERT INTO audit_log (happened_at, actor, action) "
            "VALUES ('10000-01-01 00:00:00+00', 'x', 'y')"
        )
    new = tmp_path / "new.duckdb"
    failed = copy(pg_url, new)
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.startswith("The rows of the table audit_log could not be read"), (
        failed.stderr
    )
    assert "Traceback" not in failed.stderr
    assert not new.exists() and not Path(f"{new}.wal").exists()

    empty = tmp_path / "empty.duckdb"
    assert run("init", db=empty).returncode == 0
    assert copy(pg_url, empty).returncode == 1
    assert empty.exists() and set(row_counts(empty).values()) == {0}
