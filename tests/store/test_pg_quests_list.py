"""Migration m013 on PostgreSQL: a database at version 12 upgrades in place with each user's list
of quests held filled from the unlocks, and the Users page's text beside "holds" combines the
trigram index with the list's GIN index (at 10M a BitmapAnd: bench/bench_users.py) instead of
reading every holder or every candidate."""

from __future__ import annotations

import psycopg

from core.segments.user_filter import UserFilter
from core.store.postgres import users_search_sql as search_sql
from core.store.postgres.connection import migrate
from tests.support.pg_store import open_pg_store


def test_a_version_12_database_upgrades_with_every_users_list_of_quests(bare_url: str) -> None:
    with psycopg.connect(bare_url, autocommit=True) as old:
        migrate(old, up_to=12)
        old.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active, "
            "quests_held) VALUES (7, 'Ann', 'ann@x.org', 'ann', 'ann@x.org', TRUE, 2), "
            "(8, 'Bob', 'bob@x.org', 'bob', 'bob@x.org', TRUE, 0), "
            "(9, 'Cy', 'cy@x.org', 'cy', 'cy@x.org', TRUE, 1)"
        )
        old.execute("INSERT INTO unlocks (user_id, quest_id) VALUES (7, 5), (7, 3), (9, 3)")
    con = open_pg_store(bare_url)
    try:
        assert con.schema_version() >= 13
        lists = con.execute("SELECT id, quests FROM platform_users ORDER BY id").fetchall()
        assert lists == [(7, [3, 5]), (8, []), (9, [3])]
        (definition,) = con.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'platform_users_quests'"
        ).fetchone()
        assert "USING gin (quests)" in definition
        f = UserFilter(text="a", holds=[5])
        assert con.users.search(f, "UTC", 10, 0)[0]["id"].to_list() == [7]
        assert con.users.count(UserFilter(text="@x.org", lacks=[3]), "UTC") == 1  # Bob
    finally:
        con.close()


def test_text_beside_holds_reads_the_users_list_through_its_index_not_the_holders(
    bare_url: str,
) -> None:
    con = open_pg_store(bare_url)
    try:
        con.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) "
            "SELECT g, n, n || '@x.org', n, n || '@x.org', TRUE FROM ("
            "  SELECT g, CASE WHEN mod(g, 10) = 0 THEN 'smith' || g ELSE 'u' || g END AS n"
            "  FROM generate_series(1, 20000) g) s"
        )
        con.execute(
            "INSERT INTO unlocks (user_id, quest_id) SELECT g, 2 FROM generate_series(1, 20000, 9) g"
        )
        con.execute(
            "UPDATE platform_users p SET quests = ARRAY[2], quests_held = 1 "
            "WHERE id IN (SELECT user_id FROM unlocks)"
        )
        con.execute("VACUUM ANALYZE platform_users")
        f = UserFilter(text="SMITH", holds=[2], active=True)
        expected = [i for i in range(1, 20001) if i % 10 == 0 and i % 9 == 1]
        assert con.users.count(f, "UTC") == len(expected)
        assert con.users.search(f, "UTC", 500, 0)[0]["id"].to_list() == expected
        where, params = search_sql.where_sql(f, "UTC")
        with con.connection() as conn:
            found = conn.execute(f"EXPLAIN SELECT count(*) FROM platform_users p {where}", params)
            plan = "\n".join(row[0] for row in found.fetchall())
        # An index for either side (at 10M both, combined: a BitmapAnd), never the holders.
        assert "Bitmap Index Scan on platform_users_quests" in plan, plan
        assert "unlocks" not in plan, plan
    finally:
        con.close()
