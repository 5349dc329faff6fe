"""The revoke chunks' statements in PostgreSQL's SQL: categories, claims, the chunk, its counts.

The category rule itself is core/store/sql_rules.py's (REVOKE_CATEGORY, KEEPER: one text for
both stores). What several workers on one database add: a revoke chunk claims its batches as a
publish chunk does (publishing_sql.claim_sql: an advisory lock per batch), and locks its users' rows in the quest's other
batches FOR SHARE before it decides (RECORD_REVOKES). Built from constants only.
"""

from __future__ import annotations

from core.batches.rules import PUBLISHED, REVOKING, USER_REVOKED, USER_REVOKING
from core.publishing.unlock_counts import QUARTER_US
from core.store.postgres.publishing_sql import claim_sql, held_ctes
from core.store.sql_rules import HELD_ELSEWHERE, KEEPER, REVOKE_CATEGORY

# A batch's target users: every member, or the User IDs given.
MEMBERS = "SELECT user_id FROM batch_users WHERE batch_id = %(batch)s"
GIVEN = "SELECT DISTINCT unnest(%(ids)s::bigint[]) AS user_id"

# Each target user (`{targets}`) with its revoke category, its status in the batch and the batch
# that keeps its unlock (kept ones). The other batches' rows are read by user (batch_users_user).
REVOKE_CATEGORIES = f"""
    WITH bq AS (SELECT quest_id FROM batches WHERE id = %(batch)s),
    t AS ({{targets}}),
    o AS (
        SELECT ob.user_id, min(ob.batch_id) AS other
        FROM batch_users ob JOIN batches b2 ON b2.id = ob.batch_id
        WHERE ob.user_id IN (SELECT user_id FROM t) AND ob.batch_id <> %(batch)s
          AND ob.status = '{PUBLISHED}' AND b2.quest_id = (SELECT quest_id FROM bq)
        GROUP BY ob.user_id
    ),
    judged AS (
        SELECT t.user_id, {REVOKE_CATEGORY.format(batch="%(batch)s")} AS category, m.status,
               {KEEPER.format(batch="%(batch)s")} AS keeper
        FROM t
        -- One primary-key probe per user (LATERAL, and LIMIT keeps it from being flattened
        -- into a join) whatever the planner guesses of a batch published since the last
        -- ANALYZE: it guesses one row, and a plain join then reads the whole batch per user.
        LEFT JOIN LATERAL (
            SELECT mm.user_id, mm.status FROM batch_users mm
            WHERE mm.batch_id = %(batch)s AND mm.user_id = t.user_id
            LIMIT 1
        ) m ON TRUE
        LEFT JOIN unlocks x ON x.user_id = t.user_id AND x.quest_id = (SELECT quest_id FROM bq)
        LEFT JOIN batch_users xm ON xm.batch_id = x.batch_id AND xm.user_id = t.user_id
        LEFT JOIN o ON o.user_id = t.user_id
    )
    SELECT user_id::bigint AS user_id, category, status,
           (CASE WHEN category = 'kept_from_other_batch' THEN keeper END)::bigint AS other_batch
    FROM judged ORDER BY user_id
"""

# The "Revoking" batches' users still "Revoking", in queue order (publishing_sql.claim_sql).
CLAIM_REVOKES = f"""
    SELECT batch_id, user_id, quest_id
    FROM ({claim_sql(f"b.status = '{REVOKING}'", f"u.status = '{USER_REVOKING}'")}) w
    ORDER BY place, user_id NULLS FIRST
"""

# A revoke chunk in one statement (parameters: the relation's).
# First the users' rows in the OTHER batches of the quest are locked FOR SHARE: under REPEATABLE
# READ, a publish chunk of such a batch that committed since this snapshot (or commits while we
# wait for its lock) fails this statement with 40001, and the retry's snapshot sees it; one that
# comes later waits for this commit, then finds the unlock gone and inserts its own. Then each
# user still "Revoking" is decided on that snapshot: the unlock this batch alone gave is deleted
# (its record kept in revocations, and taken off the user's quests_held), one another batch also
# gave is handed to that batch (lowest id), and the user is "Revoked" (`kept_by_batch`: the batch
# that keeps it). A user whose unlock
# belongs to another batch revoking it is not kept by it: that batch's revoke takes the unlock.
RECORD_REVOKES = f"""
    WITH chunk AS (SELECT * FROM {{relation}}),
    locked AS MATERIALIZED (
        SELECT c.batch_id, c.user_id, ob.batch_id AS other_id, ob.status
        FROM chunk c
        JOIN batch_users ob ON ob.user_id = c.user_id AND ob.batch_id <> c.batch_id
        JOIN batches b2 ON b2.id = ob.batch_id AND b2.quest_id = c.quest_id
        FOR SHARE OF ob
    ),
    o AS (
        SELECT batch_id, user_id, min(other_id) AS other FROM locked
        WHERE status = '{PUBLISHED}' GROUP BY batch_id, user_id
    ),
    decided AS MATERIALIZED (
        SELECT c.batch_id, c.user_id, c.quest_id, x.unlocked_at, m.revoke_reason, m.revoked_by,
               CASE WHEN x.batch_id = c.batch_id
                    THEN CASE WHEN o.other IS NULL THEN 'delete' ELSE 'hand' END END AS action,
               CASE WHEN x.batch_id = c.batch_id THEN o.other
                    ELSE coalesce(CASE WHEN {HELD_ELSEWHERE.format(batch="c.batch_id")}
                                       THEN x.batch_id END, o.other) END AS keeper
        FROM chunk c
        JOIN batch_users m ON m.batch_id = c.batch_id AND m.user_id = c.user_id
            AND m.status = '{USER_REVOKING}'
        LEFT JOIN unlocks x ON x.user_id = c.user_id AND x.quest_id = c.quest_id
        -- The unlock's batch's row for the user (locked above when it is another batch).
        LEFT JOIN locked xm ON xm.batch_id = c.batch_id AND xm.user_id = c.user_id
            AND xm.other_id = x.batch_id
        LEFT JOIN o ON o.batch_id = c.batch_id AND o.user_id = c.user_id
    ),
    marked AS (
        UPDATE batch_users u SET status = '{USER_REVOKED}', revoked_at = current_timestamp,
            kept_by_batch = d.keeper
        FROM decided d
        -- `decided` holds only users "Revoking" in this snapshot: no status test here, so the
        -- plan is a primary-key probe per decided user (with one, the planner may read every
        -- user "Revoking" for each decided one when its statistics predate the batch).
        WHERE u.batch_id = d.batch_id AND u.user_id = d.user_id
    ),
    handed AS (
        UPDATE unlocks x SET batch_id = d.keeper
        FROM decided d
        WHERE d.action = 'hand' AND x.user_id = d.user_id AND x.quest_id = d.quest_id
          AND x.batch_id = d.batch_id
    ),
    -- The chart's counts follow a handed-over unlock to its keeper, at its own quarter hour
    -- (unlock_counts count every unlock made, under the batch that holds or revoked it); the
    -- batch's row may stay at 0.
    handed_quarters AS (
        SELECT batch_id, keeper, quest_id,
               floor(extract(epoch FROM unlocked_at) * 1000000)::bigint / {QUARTER_US} AS quarter
        FROM decided WHERE action = 'hand'
    ),
    handed_from AS (
        UPDATE unlock_counts uc SET unlocks = uc.unlocks - h.n
        FROM (SELECT batch_id, quest_id, quarter, count(*) AS n FROM handed_quarters
              GROUP BY batch_id, quest_id, quarter) h
        WHERE uc.batch_id = h.batch_id AND uc.quest_id = h.quest_id AND uc.quarter = h.quarter
    ),
    handed_to AS (
        INSERT INTO unlock_counts (batch_id, quest_id, quarter, unlocks)
        SELECT keeper, quest_id, quarter, count(*) FROM handed_quarters
        GROUP BY keeper, quest_id, quarter
        ON CONFLICT (batch_id, quest_id, quarter)
        DO UPDATE SET unlocks = unlock_counts.unlocks + excluded.unlocks
    ),
    gone AS (
        DELETE FROM unlocks x USING decided d
        WHERE d.action = 'delete' AND x.user_id = d.user_id AND x.quest_id = d.quest_id
          AND x.batch_id = d.batch_id
        RETURNING d.batch_id, d.user_id, d.quest_id, x.unlocked_at, d.revoked_by,
                  d.revoke_reason
    ),
    kept AS (
        INSERT INTO revocations (user_id, quest_id, batch_id, unlocked_at, revoked_at,
                                 revoked_by, reason)
        SELECT user_id, quest_id, batch_id, unlocked_at, current_timestamp, revoked_by,
               revoke_reason
        FROM gone
    ),
    -- A deleted unlock is no longer held (a handed-over one still is, by its keeper).
    {held_ctes("gone", adding=False)}
    SELECT batch_id, quest_id, current_timestamp AS revoked_at FROM gone
"""

# Revokes per batch, quest and quarter hour added to their counts (`relation` holds them).
ADD_REVOKE_COUNTS = """
    INSERT INTO revoke_counts (batch_id, quest_id, quarter, revokes)
    SELECT batch_id, quest_id, quarter, revokes FROM {relation}
    ON CONFLICT (batch_id, quest_id, quarter)
    DO UPDATE SET revokes = revoke_counts.revokes + excluded.revokes
"""

# A batch "Revoking" with users left (its counters say so: they are recounted in every write to
# its users) and not paused.
REVOKE_WORK = f"""
    SELECT 1 FROM batches
    WHERE status = '{REVOKING}' AND paused_at IS NULL AND n_revoking > 0 LIMIT 1
"""

# Every revoke counted again, from the revocations (epoch microseconds, then quarters).
RECOUNT_REVOKES = """
    INSERT INTO revoke_counts (batch_id, quest_id, quarter, revokes)
    SELECT batch_id, quest_id,
           floor(extract(epoch FROM revoked_at) * 1000000)::bigint / %(quarter)s AS quarter,
           count(*)
    FROM revocations WHERE batch_id IS NOT NULL
    GROUP BY batch_id, quest_id, 3
"""
