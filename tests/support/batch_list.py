"""Helpers for the batch list's tests: batches and unlocks inserted directly with SQL.

The list reads only the batch row and its counters, so a test states exactly the counters and
dates it needs instead of running the publisher.
"""

from __future__ import annotations

import duckdb

from core.batches import rules
from core.publishing import unlock_counts
from tests.support.held import refresh_held

# small_world (conftest): badge 1 "Explorer" has quests 1 and 2, badge 2 "Mentor" has quest 3.
EXPLORER, MENTOR = 1, 2
VISIT_10, VISIT_100, ANSWER = 1, 2, 3


def add_batch(
    cur: duckdb.DuckDBPyConnection,
    name: str = "Batch",
    quest_id: int = VISIT_10,
    status: str = rules.PUBLISHED,
    created_by: str = "ada",
    created_at: str = "2026-03-10 12:00:00+00",
    updated_at: str | None = None,
    users: int = 10,
    counts: dict[str, int] | None = None,
) -> int:
    """Insert one batch with counters that fit its status (or `counts`); return its id."""
    n = counts or _counts_for(status, users)
    return cur.execute(
        """INSERT INTO batches (name, quest_id, status, created_by, created_at, updated_at,
                                n_users, n_unpublished, n_in_progress, n_published, n_error)
           VALUES (?, ?, ?, ?, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?, ?, ?, ?, ?) RETURNING id""",
        [name, quest_id, status, created_by, created_at, updated_at or created_at,
         sum(n.values()), n["unpublished"], n["in_progress"], n["published"], n["error"]],
    ).fetchall()[0][0]  # fmt: skip


def _counts_for(status: str, users: int) -> dict[str, int]:
    counts = {"unpublished": 0, "in_progress": 0, "published": 0, "error": 0}
    if status in (rules.DRAFT, rules.UNPUBLISHED):
        counts["unpublished"] = users
    elif status == rules.IN_PROGRESS:
        counts["published"] = users // 2
        counts["unpublished"] = users - users // 2
    elif status == rules.PARTIALLY_PUBLISHED:
        counts["error"] = 1
        counts["published"] = users - 1
    else:
        counts["published"] = users
    return counts


def add_unlocks(
    cur: duckdb.DuckDBPyConnection, batch_id: int, quest_id: int, times: list[str], first_user: int
) -> None:
    """Record one unlock per time (users first_user, first_user + 1, ...) for this batch."""
    for offset, at in enumerate(times):
        cur.execute(
            "INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at) "
            "VALUES (?, ?, ?, ?::TIMESTAMPTZ)",
            [first_user + offset, quest_id, batch_id, at],
        )
    unlock_counts.rebuild(cur)  # what the publisher keeps in step when it inserts unlocks
    refresh_held(cur)  # and the stored quests held
