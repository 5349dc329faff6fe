"""The throwaway PostgreSQL server logs lock waits, and a failed run can read them afterwards."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.support.postgres import PostgresServer


def test_only_errors_and_lock_waits_are_kept_from_the_servers_log(tmp_path: Path) -> None:
    (tmp_path / "log").write_text(
        "2026-12-03 LOG:  checkpoint starting: time\n"
        "2026-12-03 ERROR:  deadlock detected\n"
        "2026-12-03 DETAIL:  Process 12 waits for ShareLock on transaction 7; blocked by 13.\n"
        "2026-12-03 LOG:  process 14 still waiting for RowExclusiveLock after 1000.1 ms\n"
        "2026-12-03 STATEMENT:  UPDATE batches SET status = 'published' WHERE id = 3\n"
        "2026-12-03 LOG:  database system is ready to accept connections\n"
    )
    server = PostgresServer("postgresql://nobody@127.0.0.1:1/postgres", data_dir=tmp_path)
    problems = server.log_problems()
    assert [line.split()[1] for line in problems] == ["ERROR:", "DETAIL:", "LOG:", "STATEMENT:"]
    assert server.log_problems(limit=1) == problems[-1:]


@pytest.mark.pg
def test_a_lock_waited_on_for_over_a_second_is_in_the_servers_log(
    postgres_server: PostgresServer, pg_url: str
) -> None:
    with psycopg.connect(pg_url) as holder, psycopg.connect(pg_url) as waiter:
        holder.execute("CREATE TABLE held_row (id int PRIMARY KEY)")
        holder.execute("INSERT INTO held_row VALUES (1)")
        holder.commit()
        holder.execute("SELECT id FROM held_row WHERE id = 1 FOR UPDATE")
        waiter.execute("SET lock_timeout = '1500ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            waiter.execute("UPDATE held_row SET id = 2 WHERE id = 1")
    problems = "\n".join(postgres_server.log_problems(limit=1000))
    assert "still waiting for ShareLock" in problems
    assert "UPDATE held_row SET id = 2 WHERE id = 1" in problems
