"""The publisher's rules in DuckDB's SQL: queue order, pending statuses and the failure rule.

The rules (queue order, pending statuses, the failure CASE) are written once for both stores in
core/store/sql_rules.py; here they make DuckDB's statements. Built from constants only.
"""

from __future__ import annotations

from core.store.sql_rules import (
    BATCH_ORDER,
    FAILURE,
    FINISHED,
    PENDING,
    QUEUED,
    USER_ORDER,
    failure_joins,
)

__all__ = [
    "BATCH_ORDER",
    "FAILURE",
    "FINISHED",
    "NEXT_CHUNK",
    "PENDING",
    "QUEUED",
    "USER_FAILURES",
    "failure_joins",
]

# The next users of the queue with their failure, numbered in queue order. Top-N first, numbered
# after: a window over every pending user would sort them all per chunk. Users in id order within
# a batch: the platform_users scan then skips row groups.
NEXT_CHUNK = f"""
    SELECT c.batch_id, c.user_id, c.quest_id,
           row_number() OVER (ORDER BY {USER_ORDER.format(t="c.")}) AS rank,
           {FAILURE} AS failure
    FROM (
        SELECT u.batch_id, u.user_id, b.quest_id, {QUEUED} AS queued
        FROM batch_users u JOIN batches b ON b.id = u.batch_id
        WHERE b.status IN {PENDING} AND b.paused_at IS NULL AND u.status IN {PENDING}
        ORDER BY {USER_ORDER.format(t="")}
        LIMIT $limit
    ) c
    {failure_joins("c.user_id", "c.quest_id")}
"""

# A batch's users in one status group with the failure that holds for each now.
USER_FAILURES = f"""
    SELECT u.user_id, {FAILURE} AS failure
    FROM batch_users u JOIN batches b ON b.id = u.batch_id
    {failure_joins("u.user_id", "b.quest_id")}
    WHERE u.batch_id = $batch AND list_contains($statuses, u.status)
"""

# Unlocks added to (`$sign` 1) or taken off (-1) their users' stored count of quests held (m008),
# in the transaction that inserts or deletes them: one UPDATE per set, `{relation}` holding one
# row per unlock (a `user_id` column; a user may have several, of two batches' quests).
ADD_HELD = """
    UPDATE platform_users p SET quests_held = p.quests_held + $sign * h.n
    FROM (SELECT user_id, count(*)::INTEGER AS n FROM {relation} GROUP BY user_id) h
    WHERE p.id = h.user_id
"""
