"""A user's page on DuckDB: who they are, the quests they hold and had taken back, their batches.

Constant text only; the user's id and the viewer's draft scope travel as parameters. Split from
users_search_sql.py (the list's SQL), which it shares no fragment with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.duckdb.batches_scope import visible_sql
from core.store.duckdb.batches_sql import PROGRESS_SQL
from core.store.duckdb.history_sql import PAUSED_SQL
from core.store.sql_rules import NAMES

if TYPE_CHECKING:
    from core.batches.visibility import DraftScope

__all__ = ["HELD_SQL", "PROFILE_SQL", "REVOKED_SQL", "batches_sql"]

_USER_COLUMNS = "p.id, p.username, p.email, p.active, p.registered_at, p.last_active_at"

# A user's quests held now, with the batch that unlocked each (none: given outside any batch).
HELD_SQL = """
    SELECT x.quest_id, q.name AS quest, q.badge_id, g.name AS badge, x.batch_id,
           b.name AS batch_name, x.unlocked_at
    FROM unlocks x
    LEFT JOIN quests q ON q.id = x.quest_id
    LEFT JOIN badges g ON g.id = q.badge_id
    LEFT JOIN batches b ON b.id = x.batch_id
    WHERE x.user_id = $user
    ORDER BY x.unlocked_at DESC, x.quest_id
"""

# A user's unlocks taken back by a revoke, with who, when and why.
REVOKED_SQL = """
    SELECT r.quest_id, q.name AS quest, g.name AS badge, r.batch_id, b.name AS batch_name,
           r.unlocked_at, r.revoked_at, r.revoked_by, r.reason
    FROM revocations r
    LEFT JOIN quests q ON q.id = r.quest_id
    LEFT JOIN badges g ON g.id = q.badge_id
    LEFT JOIN batches b ON b.id = r.batch_id
    WHERE r.user_id = $user
    ORDER BY r.revoked_at DESC, r.quest_id
"""

PROFILE_SQL = f"SELECT {_USER_COLUMNS} FROM platform_users p WHERE p.id = $user"


def batches_sql(scope: DraftScope) -> tuple[str, dict[str, object]]:
    """The batches user `$user` is in that the scope sees, newest first, with its status there."""
    visible, params = visible_sql(scope, "b")
    sql = f"""
        SELECT b.id AS batch_id, b.name AS batch_name, b.quest_id, q.name AS quest,
               g.name AS badge, b.status AS batch_status, {PAUSED_SQL} AS paused,
               ({PROGRESS_SQL})::INTEGER AS progress, m.status AS user_status, m.error_reason,
               m.revoke_reason, m.added_at, m.added_via, m.added_by, m.processed_at
        FROM batch_users m
        JOIN batches b ON b.id = m.batch_id
        {NAMES}
        WHERE m.user_id = $user AND {visible}
        ORDER BY b.id DESC
    """
    return sql, params
