"""Migration m007 (users' dates) on PostgreSQL: a database at version 6 upgrades in place, keeping
its users, with the indexes the Users page's filters read."""

from __future__ import annotations

import psycopg

from core.segments.user_filter import UserFilter
from core.store.postgres.connection import migrate
from tests.support.pg_store import open_pg_store

M007_INDEXES = {
    "platform_users_registered", "platform_users_last_active", "platform_users_active",
    "platform_users_email_norm", "platform_users_email_trgm", "unlocks_quest_user",
}  # fmt: skip


def test_a_version_6_database_upgrades_keeping_its_users_without_dates(bare_url: str) -> None:
    with psycopg.connect(bare_url, autocommit=True) as old:
        migrate(old, up_to=6)
        # Positional, as rows written before m007 were: six values.
        old.execute(
            "INSERT INTO platform_users VALUES (7, 'Ann', 'ann@x.org', 'ann', 'ann@x.org', TRUE), "
            "(8, 'Bob', 'bob@x.org', 'bob', 'bob@x.org', FALSE)"
        )
    con = open_pg_store(bare_url)
    try:
        assert con.schema_version() >= 7
        assert con.users.profile(7) == (7, "Ann", "ann@x.org", True, None, None)
        rows, total = con.users.search(UserFilter(sort="email"), "UTC", 10, 0)
        assert (rows["id"].to_list(), total) == ([7, 8], 2)
        assert con.users.with_email("bob@x.org", 5) == [(8, "Bob")]
        found = con.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        assert {name for (name,) in found.fetchall()} >= M007_INDEXES
    finally:
        con.close()
