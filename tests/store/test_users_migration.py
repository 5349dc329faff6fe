"""Migration m007 (users' dates) on DuckDB: a data file at version 6 upgrades in place, keeping
its users, who then have no dates until an import gives them some."""

from __future__ import annotations

import duckdb
import pytest

from core.segments.user_filter import UserFilter
from core.store.duckdb.connection import migrate
from tests.support.store import open_store


@pytest.mark.slow
def test_a_version_6_file_upgrades_keeping_its_users_without_dates(db_path) -> None:
    old = duckdb.connect(str(db_path))
    migrate(old, up_to=6)
    old.execute(
        "INSERT INTO platform_users VALUES (7, 'Ann', 'ann@x.org', 'ann', 'ann@x.org', TRUE), "
        "(8, 'Bob', 'bob@x.org', 'bob', 'bob@x.org', FALSE)"
    )
    old.close()

    upgraded = open_store(db_path)
    try:
        assert upgraded.schema_version() >= 7
        assert upgraded.users.profile(7) == (7, "Ann", "ann@x.org", True, None, None)
        assert upgraded.users.profile(8)[3] is False
        rows, total = upgraded.users.search(UserFilter(sort="last_active_at"), "UTC", 10, 0)
        assert (rows["id"].to_list(), total) == ([8, 7], 2)
        upgraded.execute(
            "UPDATE platform_users SET registered_at = '2026-01-01 00:00:00+00' WHERE id = 7"
        )
        assert upgraded.users.profile(7)[4] is not None
    finally:
        upgraded.close()
