"""The publisher's rules in DuckDB's SQL: queue order, pending statuses and the failure rule.

Each is the domain rule of the same name written once for set-based statements: queue order of
core.publishing.queue, the statuses of core.batches.rules, the failures of
core.publishing.failure_rule (checked in its CODES order). Built from constants only.
"""

from __future__ import annotations

from core.batches.rules import FINISHED_STATUSES, PENDING_STATUSES
from core.publishing.failure_rule import CODES


def _sql_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


PENDING = _sql_list(PENDING_STATUSES)  # batches in the queue, and users still to unlock
FINISHED = _sql_list(FINISHED_STATUSES)

# Queue order over a batches row `b`; `QUEUED` is when the batch joined the queue.
QUEUED = "coalesce(b.queued_at, b.created_at)"
BATCH_ORDER = f"{QUEUED}, b.id"
# The same order over rows that carry `queued`, `batch_id` and `user_id` (a chunk's users).
USER_ORDER = "{t}queued, {t}batch_id, {t}user_id"

# When each failure holds, over the tables `failure_joins` adds.
_FAILS_WHEN = {
    "deleted": "p.id IS NULL",
    "inactive": "NOT p.active",
    "quest_gone": "q.id IS NULL OR bd.id IS NULL",
    "badge_archived": "bd.archived",
    "quest_archived": "q.archived",
}
# The failure code of a user (NULL when the user can be unlocked): the first that holds.
FAILURE = "CASE " + " ".join(f"WHEN {_FAILS_WHEN[code]} THEN '{code}'" for code in CODES) + " END"


def failure_joins(user_id: str, quest_id: str) -> str:
    """The tables the failure rule reads, joined on the query's user id and quest id columns."""
    return f"""
    LEFT JOIN platform_users p ON p.id = {user_id}
    LEFT JOIN quests q ON q.id = {quest_id}
    LEFT JOIN badges bd ON bd.id = q.badge_id"""


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
        WHERE b.status IN {PENDING} AND u.status IN {PENDING}
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
