"""The publisher's statements in PostgreSQL's SQL: claims, chunks, counts, the failure rule's reads.

The rules themselves (queue order, pending statuses, the failure CASE) are written once for both
stores in core/store/sql_rules.py. What several workers on one database add: a chunk claims its
batches with a transaction-level advisory lock per batch (`claim_lock`), taken only if free, so
no two workers ever take one batch's users. It is not a row lock: a person's write to the batch
row (pause, cancel, add users, revoke) never waits for a chunk; the chunk's recount at its end
then fails to serialize (40001) and the chunk runs again, seeing the change. Built from constants
only.
"""

from __future__ import annotations

from core.batches.rules import REVOKING
from core.store.sql_rules import (
    BATCH_ORDER,
    FAILURE,
    PENDING,
    QUEUED,
    failure_joins,
)

# The advisory lock (two-key form, its own key space) that claims a batch for one worker until
# its chunk's transaction ends; `{id}` is the batch id expression. Taken only if free.
CLAIM_NAMESPACE = 1515
_CLAIM_LOCK = "pg_try_advisory_xact_lock({ns}, mod({id}, 2147483648)::integer)"


def claim_lock(batch_id: str) -> str:
    """The SQL that claims the batch `batch_id` (an id expression): true if this transaction has it."""
    return _CLAIM_LOCK.format(ns=CLAIM_NAMESPACE, id=batch_id)


def claim_sql(batch_status: str, user_status: str) -> str:
    """Claim batches whose status matches `batch_status` and return their users matching
    `user_status` (both SQL conditions built from constants, on `b.status` and `u.status`).

    Claims the first `batches` such batches (in queue order, not paused) that no other
    transaction holds and that this chunk has not claimed yet (`taken`), and returns their users
    in queue order, `limit` at most: batch_id, user_id, quest_id, place. The claims last until
    the chunk's transaction ends: a worker killed with SIGKILL drops its connection and
    PostgreSQL releases them at once; a hung one is ended by idle_in_transaction_session_timeout
    (core/store/postgres/connection.py), the claim's lease. A claimed batch without such users
    comes back as one row with a NULL user_id. The lock is tried on the candidates in queue order
    until `batches` are claimed, never on the others: OFFSET 0 keeps the sorted subquery from
    being merged into the query (its filter would then run on every candidate before the sort),
    and LIMIT stops the scan.
    """
    return f"""
    WITH claimed AS MATERIALIZED (
        SELECT cand.id, cand.quest_id, cand.queued
        FROM (
            SELECT b.id, b.quest_id, {QUEUED} AS queued
            FROM batches b
            WHERE {batch_status} AND b.paused_at IS NULL
              AND b.id <> ALL(%(taken)s::bigint[])
            ORDER BY {BATCH_ORDER}
            OFFSET 0
        ) cand
        WHERE {claim_lock("cand.id")}
        LIMIT %(batches)s
    ),
    waiting AS (
        SELECT cl.id AS batch_id, c.user_id, cl.quest_id,
               count(c.user_id) OVER (ORDER BY cl.queued, cl.id, c.user_id
                                      ROWS UNBOUNDED PRECEDING) AS place
        FROM claimed cl
        LEFT JOIN LATERAL (
            SELECT u.user_id FROM batch_users u
            WHERE u.batch_id = cl.id AND {user_status}
            ORDER BY u.user_id
            LIMIT %(limit)s
        ) c ON TRUE
    )
    SELECT * FROM waiting WHERE user_id IS NULL OR place <= %(limit)s"""


# The queued batches' pending users, with their failure, in queue order (see `claim_sql`).
CLAIM_BATCHES = f"""
    SELECT c.batch_id, c.user_id, c.quest_id, {FAILURE} AS failure
    FROM ({claim_sql(f"b.status IN {PENDING}", f"u.status IN {PENDING}")}) c
    {failure_joins("c.user_id", "c.quest_id")}
    ORDER BY c.place, c.user_id NULLS FIRST
"""

# Queued batches with nobody left to process (e.g. emptied after queueing): a recount finishes
# them. Claimed like a chunk's batches, skipping those another worker holds (it finishes them
# itself); the claim is tried on the settled ones only (the fenced subquery of CLAIM_BATCHES).
SETTLED = f"""
    SELECT s.id FROM (
        SELECT b.id FROM batches b
        WHERE b.status IN {PENDING} AND b.paused_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM batch_users u
                          WHERE u.batch_id = b.id AND u.status IN {PENDING})
        ORDER BY b.id
        OFFSET 0
    ) s
    WHERE {claim_lock("s.id")}
"""

# Unlocks added to (`{sign}` +) or taken off (-) their users' stored quests held: m008's count
# and m013's list (`{quests}`: the list's new value), in the statement that inserts or deletes
# them: two CTEs over `{relation}`, one row per unlock (`user_id` and `quest_id` columns; a user
# may have several, of two batches' quests), grouped so each user's row is updated once. The rows
# are locked in id order first: two workers' chunks sharing users then wait for each other
# instead of deadlocking (each would hold a row the other updates next); under REPEATABLE READ
# the later one fails to serialize (40001) and core.store.retry runs it again. Use held_ctes().
_HELD_CTES = """
    held_locked AS (
        SELECT id FROM platform_users WHERE id IN (SELECT user_id FROM {relation})
        ORDER BY id FOR UPDATE
    ),
    held AS (
        UPDATE platform_users p SET quests_held = p.quests_held {sign} h.n, quests = {quests}
        FROM (SELECT user_id, count(*)::integer AS n, array_agg(quest_id::integer) AS q
              FROM {relation} GROUP BY user_id) h
        WHERE p.id = h.user_id AND p.id IN (SELECT id FROM held_locked)
    )"""
# A user holds a quest once (the unlocks' key), so an added unlock's quest is not in the list yet
# and a deleted one's is there once.
_ADDED = "p.quests || h.q"
_TAKEN_OFF = "ARRAY(SELECT e FROM unnest(p.quests) e WHERE e <> ALL(h.q))"


def held_ctes(relation: str, *, adding: bool) -> str:
    """The CTEs that count `relation`'s unlocks in (adding) or out of their users' quests held."""
    if adding:
        return _HELD_CTES.format(relation=relation, sign="+", quests=_ADDED)
    return _HELD_CTES.format(relation=relation, sign="-", quests=_TAKEN_OFF)


# Set the chunk's statuses and insert its unlocks in one statement (parameters: the relation's,
# then the chunk's batch ids). Both parts read the chunk and one snapshot; they write different
# tables. A user who holds the quest keeps the old unlock; one user in two batches of the chunk
# is credited to the earlier batch (lowest rank). Each new unlock counts in its user's
# quests held (m008, m013), in the same statement (held_ctes).
RECORD_CHUNK = f"""
    WITH chunk AS (SELECT * FROM {{relation}}),
    marked AS (
        UPDATE batch_users u SET
            status = CASE WHEN c.error_reason IS NULL THEN 'published' ELSE 'error' END,
            error_reason = c.error_reason,
            processed_at = current_timestamp
        FROM chunk c
        WHERE u.batch_id = c.batch_id AND u.user_id = c.user_id AND u.status IN {PENDING}
          -- Only the chunk's batches' rows: a join on all pending users would read the queue.
          AND u.batch_id = ANY(%s::bigint[])
    ),
    inserted AS (
        INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at)
        SELECT DISTINCT ON (user_id, quest_id) user_id, quest_id, batch_id, current_timestamp
        FROM chunk WHERE error_reason IS NULL
        ORDER BY user_id, quest_id, rank
        ON CONFLICT DO NOTHING
        RETURNING user_id, batch_id, quest_id, unlocked_at
    ),
    {held_ctes("inserted", adding=True)}
    SELECT batch_id, quest_id, unlocked_at FROM inserted
"""

# Unlocks per batch, quest and quarter hour added to the chart's counts (`relation` holds them).
ADD_COUNTS = """
    INSERT INTO unlock_counts (batch_id, quest_id, quarter, unlocks)
    SELECT batch_id, quest_id, quarter, unlocks FROM {relation}
    ON CONFLICT (batch_id, quest_id, quarter)
    DO UPDATE SET unlocks = unlock_counts.unlocks + excluded.unlocks
"""

# Every unlock ever made counted again: those held now and those revoked since (the counts are
# gross; the chart subtracts revoke_counts). Epoch microseconds as DuckDB's epoch_us, then quarters.
RECOUNT = """
    INSERT INTO unlock_counts (batch_id, quest_id, quarter, unlocks)
    SELECT batch_id, quest_id,
           floor(extract(epoch FROM unlocked_at) * 1000000)::bigint / %(quarter)s AS quarter,
           count(*)
    FROM (SELECT batch_id, quest_id, unlocked_at FROM unlocks
          UNION ALL SELECT batch_id, quest_id, unlocked_at FROM revocations) every_unlock
    WHERE batch_id IS NOT NULL
    GROUP BY batch_id, quest_id, 3
"""

# A batch's users in one status group with the failure that holds for each now.
USER_FAILURES = f"""
    SELECT u.user_id, {FAILURE} AS failure
    FROM batch_users u JOIN batches b ON b.id = u.batch_id
    {failure_joins("u.user_id", "b.quest_id")}
    WHERE u.batch_id = %(batch)s AND u.status = ANY(%(statuses)s::text[])
"""

# Work for the publisher: a batch queued, or one "Revoking" with users left (its counters say
# so: they are recounted in every write to its users), not paused.
HAS_WORK = f"""
    SELECT 1 FROM batches
    WHERE (status IN {PENDING} OR status = '{REVOKING}' AND n_revoking > 0)
      AND paused_at IS NULL
    LIMIT 1
"""
