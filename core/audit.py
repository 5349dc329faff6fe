"""The audit log: who did what, when, to which batch; every action's name once (`Action`)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # audit sits below access: access writes audit entries
    import polars as pl

    from core.access.roles import Account
    from core.store.ports import UnitOfWork


class Action(StrEnum):
    """Every action the app writes to the audit log; the value is what the log stores.

    core.history.audit_sentences turns each one into a sentence for people.
    """

    BATCH_CREATED = "batch created"
    DRAFT_RENAMED = "draft renamed"
    DRAFT_QUEST_CHANGED = "draft quest changed"
    DRAFT_DELETED = "draft deleted"
    USERS_ADDED = "users added"
    USER_REMOVED = "user removed"
    BATCH_PUBLISHED = "batch published"
    ERRORS_RETRIED = "errors retried"
    BATCH_CANCELLED = "batch cancelled"
    BATCH_PAUSED = "batch paused"
    BATCH_RESUMED = "batch resumed"
    REVOKE_REQUESTED = "unlocks revoked"
    PUBLISHER_PAUSED = "publisher paused"
    PUBLISHER_RESUMED = "publisher resumed"
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
    TOKEN_CREATED = "API token created"  # noqa: S105 - an action's name, not a token
    TOKEN_REVOKED = "API token revoked"  # noqa: S105 - an action's name, not a token
    WEBHOOK_ADDED = "webhook added"
    WEBHOOK_REMOVED = "webhook removed"


# The actions that change one batch (they carry its id and bump its version).
BATCH_ACTIONS = (
    Action.BATCH_CREATED,
    Action.DRAFT_RENAMED,
    Action.DRAFT_QUEST_CHANGED,
    Action.DRAFT_DELETED,
    Action.USERS_ADDED,
    Action.USER_REMOVED,
    Action.BATCH_PUBLISHED,
    Action.ERRORS_RETRIED,
    Action.BATCH_CANCELLED,
    Action.BATCH_PAUSED,
    Action.BATCH_RESUMED,
    Action.REVOKE_REQUESTED,
)


def record(
    uow: UnitOfWork,
    actor: Account,
    action: Action,
    batch_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one entry; call inside the transaction of the change it describes.

    An account acting through an API token (issue 17) leaves the token's name in `via`.
    """
    uow.audit.append(actor.username, Action(action), batch_id, detail, actor.via_token)


def entries(uow: UnitOfWork, batch_id: int | None = None, limit: int = 500) -> pl.DataFrame:
    """Return the newest entries first, for one batch or all (`via`: the API token, or null)."""
    return uow.audit.entries(batch_id, limit)
