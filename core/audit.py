"""The audit log: who did what, when, to which batch."""

from __future__ import annotations

import duckdb
import polars as pl

from core.access.roles import Account
from core.store import frame

# Every action the app writes to the audit log. The modules that write them keep their own
# names (core.batches.drafts.ACTION_*, core.publishing.publisher.ACTION_*, …); tests/test_audit_sentences.py checks
# that those are these, and core.history.audit_sentences turns each one into a sentence for people.
BATCH_CREATED = "batch created"
DRAFT_RENAMED = "draft renamed"
DRAFT_QUEST_CHANGED = "draft quest changed"
DRAFT_DELETED = "draft deleted"
USERS_ADDED = "users added"
USER_REMOVED = "user removed"
BATCH_PUBLISHED = "batch published"
ERRORS_RETRIED = "errors retried"
BATCH_ACTIONS = (
    BATCH_CREATED,
    DRAFT_RENAMED,
    DRAFT_QUEST_CHANGED,
    DRAFT_DELETED,
    USERS_ADDED,
    USER_REMOVED,
    BATCH_PUBLISHED,
    ERRORS_RETRIED,
)
PUBLISH_RATE_SET = "publish rate set"
BADGE_ADDED = "badge added"
QUEST_ADDED = "quest added"
QUEST_ARCHIVED = "quest archived"
QUEST_RESTORED = "quest restored"
BADGE_ARCHIVED = "badge archived"
BADGE_RESTORED = "badge restored"
BADGES_IMPORTED = "badges imported"
USERS_IMPORTED = "users imported"
FIRST_ADMIN_CREATED = "first admin created"
ACCOUNT_EMAIL_CLEARED = "account email cleared"
OTHER_ACTIONS = (
    PUBLISH_RATE_SET,
    BADGE_ADDED,
    QUEST_ADDED,
    QUEST_ARCHIVED,
    QUEST_RESTORED,
    BADGE_ARCHIVED,
    BADGE_RESTORED,
    BADGES_IMPORTED,
    USERS_IMPORTED,
    FIRST_ADMIN_CREATED,
    ACCOUNT_EMAIL_CLEARED,
)
ACTIONS = BATCH_ACTIONS + OTHER_ACTIONS


def record(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    action: str,
    batch_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one entry; call inside the transaction of the change it describes."""
    cur.execute(
        "INSERT INTO audit_log (actor, action, batch_id, detail) VALUES (?, ?, ?, ?)",
        [actor.username, action, batch_id, detail],
    )


def entries(
    cur: duckdb.DuckDBPyConnection, batch_id: int | None = None, limit: int = 500
) -> pl.DataFrame:
    """Return the newest entries first, for one batch or all."""
    return frame(
        cur,
        "SELECT happened_at, actor, action, batch_id, detail FROM audit_log "
        "WHERE $batch IS NULL OR batch_id = $batch ORDER BY id DESC LIMIT $limit",
        params={"batch": batch_id, "limit": limit},
    )
