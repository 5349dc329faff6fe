"""PostgreSQL's matching SQL: no index to sync, wildcards typed as text, and plans on the indexes.

The contract tests (test_matching.py) check what both stores answer; these check what only the
PostgreSQL adapter does: `sync_index` has nothing to do, LIKE's wildcards in typed text match
only themselves on both "contains" paths, and every lookup of a match or a suggestion can be an
index scan (no OR across columns, no expression an index cannot serve).
"""

from __future__ import annotations

import pytest

from core.batches import judging, matching, suggestions
from core.store.postgres import matching as pg_matching
from core.store.postgres.base import Repository
from tests.support.batches import upload

# These tests are about the PostgreSQL adapter's own SQL: tests/store/test_pg_*.py run on it only.


def test_there_is_never_an_index_to_bring_up_to_date(batch_world) -> None:
    assert matching.sync_user_index(batch_world) == "fresh"
    batch_world.execute("UPDATE platform_users SET username_norm = 'zed' WHERE id = 3")
    assert matching.sync_user_index(batch_world, rebuild=True) == "fresh"
    result = matching.preview(batch_world, upload("Username\nzed\n"), 1)
    assert result.rows.select("status", "user_id").rows() == [("ok", 3)]


@pytest.fixture
def wild(batch_world):
    """Usernames holding LIKE's wildcards and its escape character."""
    for i, name in enumerate(["a_b12", "axb12", "zz_b12z", "100%x", "1000x", "back\\slash"], 200):
        batch_world.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (?, ?, ?, ?, ?, TRUE)",
            [i, name, f"{i}@x.org", name, f"{i}@x.org"],
        )
    return batch_world


def test_wildcards_in_typed_text_match_only_themselves(wild) -> None:
    assert suggestions.suggest_usernames(wild, "a_b") == ["a_b12"]  # starts with
    assert suggestions.suggest_usernames(wild, "_b12") == ["a_b12", "zz_b12z"]  # trigram path
    assert suggestions.suggest_usernames(wild, "_b") == ["a_b12", "zz_b12z"]  # no trigram
    assert suggestions.suggest_usernames(wild, "0%") == ["100%x"]
    assert suggestions.suggest_usernames(wild, "k\\s") == ["back\\slash"]


def _plan(con, sql: str, params: list | dict) -> str:
    """The plan of a statement with sequential scans priced out (a test table is tiny)."""
    with con.pool.connection() as conn:
        conn.execute("SET enable_seqscan = off")
        try:
            found = conn.execute("EXPLAIN " + sql, params, prepare=False).fetchall()
        finally:
            conn.execute("RESET enable_seqscan")
    return "\n".join(row[0] for row in found)


def test_a_match_looks_every_field_up_in_an_index(batch_world) -> None:
    keys = judging.match_keys(upload("ID;Username;Email\n1;user2;user3@example.com\n").rows)
    relation, params = Repository.unnest(keys, ["row", "id_num", "username_norm", "email_norm"])
    plan = _plan(batch_world, pg_matching._MATCH_SQL.format(upload=relation), [*params, 1, 1])
    assert "Seq Scan on platform_users" not in plan
    for index in ("platform_users_id_active", "platform_users_username_norm"):
        assert index in plan
    assert "platform_users_email_norm" in plan


def test_starting_suggestions_read_one_index_range_per_length(batch_world) -> None:
    params = {"length": 3, "text": "use", "limit": 10}
    plan = _plan(batch_world, pg_matching._STARTING_SQL, params)
    assert "Index Only Scan using platform_users_username_length" in plan
    assert "~>=~ 'use'" in plan and "~<~ 'usf'" in plan  # a range, not a filter
