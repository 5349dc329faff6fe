"""The revoke chunks' rules in DuckDB's SQL: each user's category, the chunk, its decisions.

The category rule itself is core/store/sql_rules.py's (REVOKE_CATEGORY, KEEPER: one text for
both stores); what a revoke does is in core/store/ports/publishing.py. Built from constants only.
"""

from __future__ import annotations

from core.batches.rules import PUBLISHED, REVOKING, USER_REVOKING
from core.store.sql_rules import BATCH_ORDER, HELD_ELSEWHERE, KEEPER, REVOKE_CATEGORY

# A batch's target users: every member, or the User IDs given.
MEMBERS = "SELECT user_id FROM batch_users WHERE batch_id = $batch"
GIVEN = "SELECT DISTINCT unnest($ids::BIGINT[]) AS user_id"

# Each target user (`{targets}`) with its revoke category, its status in the batch and the batch
# that keeps its unlock (kept ones). The other batches' rows are read only for the targets.
REVOKE_CATEGORIES = f"""
    WITH bq AS (SELECT quest_id FROM batches WHERE id = $batch),
    t AS ({{targets}}),
    o AS (
        SELECT ob.user_id, min(ob.batch_id) AS other
        FROM batch_users ob JOIN batches b2 ON b2.id = ob.batch_id
        WHERE ob.user_id IN (SELECT user_id FROM t) AND ob.batch_id <> $batch
          AND ob.status = '{PUBLISHED}' AND b2.quest_id = (SELECT quest_id FROM bq)
        GROUP BY ob.user_id
    ),
    judged AS (
        SELECT t.user_id, {REVOKE_CATEGORY.format(batch="$batch")} AS category, m.status,
               {KEEPER.format(batch="$batch")} AS keeper
        FROM t
        LEFT JOIN batch_users m ON m.batch_id = $batch AND m.user_id = t.user_id
        LEFT JOIN unlocks x ON x.user_id = t.user_id AND x.quest_id = (SELECT quest_id FROM bq)
        LEFT JOIN batch_users xm ON xm.batch_id = x.batch_id AND xm.user_id = t.user_id
        LEFT JOIN o ON o.user_id = t.user_id
    )
    SELECT user_id::BIGINT AS user_id, category, status,
           (CASE WHEN category = 'kept_from_other_batch' THEN keeper END)::BIGINT AS other_batch
    FROM judged ORDER BY user_id
"""

# The users "Revoking" of batches "Revoking" and not paused, in queue order.
NEXT_REVOKE_CHUNK = f"""
    SELECT u.batch_id, u.user_id, b.quest_id
    FROM batch_users u JOIN batches b ON b.id = u.batch_id
    WHERE b.status = '{REVOKING}' AND b.paused_at IS NULL AND u.status = '{USER_REVOKING}'
    ORDER BY {BATCH_ORDER}, u.user_id
    LIMIT $limit
"""

# What a revoke chunk does for each of its users still "Revoking", decided now: `action`
# 'delete' (this batch alone gave the unlock), 'hand' (this batch gave it, `keeper` also has the
# user "Published": the unlock becomes the keeper's), or NULL (the unlock is another batch's, or
# gone: nothing to do to it). `keeper` is NULL when nobody keeps it. A user whose unlock belongs
# to another batch revoking it (in this chunk or later) is not kept by it: that batch's revoke
# takes the unlock, and this one only marks the user.
REVOKE_DECISIONS = f"""
    WITH c AS (SELECT batch_id, user_id, quest_id FROM {{chunk}}),
    o AS (
        SELECT c.batch_id, c.user_id, min(ob.batch_id) AS other
        FROM c JOIN batch_users ob ON ob.user_id = c.user_id AND ob.batch_id <> c.batch_id
        JOIN batches b2 ON b2.id = ob.batch_id AND b2.quest_id = c.quest_id
        WHERE ob.status = '{PUBLISHED}'
        GROUP BY c.batch_id, c.user_id
    )
    SELECT c.batch_id::BIGINT AS batch_id, c.user_id::BIGINT AS user_id,
           c.quest_id::INTEGER AS quest_id, x.unlocked_at, m.revoke_reason, m.revoked_by,
           CASE WHEN x.batch_id = c.batch_id
                THEN CASE WHEN o.other IS NULL THEN 'delete' ELSE 'hand' END END AS action,
           (CASE WHEN x.batch_id = c.batch_id THEN o.other
                 ELSE coalesce(CASE WHEN {HELD_ELSEWHERE.format(batch="c.batch_id")}
                                    THEN x.batch_id END, o.other) END)::BIGINT AS keeper
    FROM c
    JOIN batch_users m ON m.batch_id = c.batch_id AND m.user_id = c.user_id
        AND m.status = '{USER_REVOKING}'
    LEFT JOIN unlocks x ON x.user_id = c.user_id AND x.quest_id = c.quest_id
    LEFT JOIN batch_users xm ON xm.batch_id = x.batch_id AND xm.user_id = c.user_id
    LEFT JOIN o ON o.batch_id = c.batch_id AND o.user_id = c.user_id
"""
