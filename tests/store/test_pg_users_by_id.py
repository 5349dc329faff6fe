"""Migration m012 on PostgreSQL: a database at version 11 upgrades in place, keeping its users, and
the index by User ID carries their dates, which the bounded count from the holders reads."""

from __future__ import annotations

from datetime import date

import psycopg

from core.history.dates import DateFilter
from core.segments.user_filter import UserFilter
from core.store.postgres.connection import migrate
from core.store.postgres.users_count import UserCounter
from tests.support.pg_store import open_pg_store


def test_a_version_11_database_upgrades_keeping_its_users_and_their_holds(bare_url: str) -> None:
    with psycopg.connect(bare_url, autocommit=True) as old:
        migrate(old, up_to=11)
        old.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active, "
            "registered_at, last_active_at, quests_held) VALUES "
            "(7, 'Ann', 'ann@x.org', 'ann', 'ann@x.org', TRUE, '2025-01-02', '2026-03-01', 1), "
            "(8, 'Bob', 'bob@x.org', 'bob', 'bob@x.org', FALSE, '2025-01-03', NULL, 1), "
            "(9, 'Cy', 'cy@x.org', 'cy', 'cy@x.org', TRUE, '2024-01-03', '2026-03-01', 1)"
        )
        old.execute("INSERT INTO unlocks (user_id, quest_id) VALUES (7, 3), (8, 3), (9, 3)")
    con = open_pg_store(bare_url)
    try:
        assert con.schema_version() >= 12
        assert con.users.profile(8)[:4] == (8, "Bob", "bob@x.org", False)
        (definition,) = con.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'platform_users_id_active'"
        ).fetchone()
        assert "UNIQUE INDEX" in definition
        assert "(id) INCLUDE (active, registered_at, last_active_at)" in definition
        f = UserFilter(holds=[3], active=True, registered=DateFilter(">", date(2024, 6, 1)))
        assert UserCounter(con).driven_count(f, "UTC", 100) == 1  # Ann
        rows, total = con.users.search(f, "UTC", 10, 0, count_up_to=100)
        assert (rows["id"].to_list(), total) == ([7], 1)
    finally:
        con.close()


def test_the_count_from_the_holders_looks_their_users_up_by_the_index_alone(bare_url) -> None:
    con = open_pg_store(bare_url)
    try:
        con.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active, "
            "registered_at, last_active_at) SELECT g, 'u' || g, 'u' || g || '@x.org', 'u' || g, "
            "'u' || g || '@x.org', mod(g, 50) <> 0, timestamptz '2024-01-01' + g * interval '1 hour', "
            "timestamptz '2026-01-01' + mod(g, 300) * interval '1 day' "
            "FROM generate_series(1, 20000) g"
        )
        con.execute(
            "INSERT INTO unlocks (user_id, quest_id) SELECT g, 2 FROM generate_series(1, 20000, 3) g "
            "UNION ALL SELECT g, 5 FROM generate_series(1, 20000, 7) g"
        )
        con.execute("VACUUM ANALYZE platform_users")
        con.execute("VACUUM ANALYZE unlocks")
        f = UserFilter(
            active=True,
            registered=DateFilter(">", date(2024, 6, 1)),
            last_active=DateFilter(">", date(2026, 6, 1)),
            holds=[2],
            lacks=[5],
        )
        counter = UserCounter(con)
        exact = con.users.count(f, "UTC")
        assert exact > 0
        for bound in (0, 1, exact - 1, exact, exact + 1):
            assert counter.driven_count(f, "UTC", bound) == min(exact, bound + 1)
        plan = _driven_plan(con, f)
        assert "Index Only Scan using platform_users_id_active" in plan, plan
        assert "Hash" not in plan and "Memoize" not in plan, plan
    finally:
        con.close()


def _driven_plan(con, f: UserFilter) -> str:
    """The plan of f's count from the holders (newest first), under the count's own settings."""
    from core.store.postgres import users_count

    sql, params = users_count.filtered_holders_sql(f, "UTC", 100, [2], newest_first=True)

    def work(u) -> str:
        for setting in users_count._FILTERED:
            u.users.rows(f"SET LOCAL {setting}")
        return "\n".join(row[0] for row in u.users.rows(f"EXPLAIN {sql}", params))

    return con.transaction(work)
