"""The JSON objects the command line's --json prints and the HTTP API answers, made in one place.

Each function turns one row or read of core into the object scripts read, so `python -m core …
--json` and `/api/v1` cannot drift apart. The API may add keys beside the CLI's (a superset,
`*_EXTRA` below), never rename or drop one. Values are plain Python (datetimes included); both
sides print them with `to_json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from core import words

if TYPE_CHECKING:
    from core.batches.read_model import Batch
    from core.store.ports import UnitOfWork

QUEST_KEYS = ("id", "badge", "quest", "archived", "unlocks")
USER_KEYS = (
    "id", "username", "email", "active", "registered_at", "last_active_at", "quests_held",
)  # fmt: skip
# The count columns of a batch (its row, or `Batch`'s fields) and the words they are keyed by.
COUNT_WORDS = {
    "n_unpublished": words.UNPUBLISHED,
    "n_in_progress": words.IN_PROGRESS,
    "n_published": words.PUBLISHED,
    "n_error": words.ERROR,
    "n_revoking": words.REVOKING,
    "n_revoked": words.REVOKED,
}
# The members' revoke columns, as the store's page gives them (issue 15).
REVOKE_KEYS = ("revoke_reason", "revoked_by", "revoked_at", "kept_by_batch")


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(data: Any, indent: int | None = None) -> str:
    """Write data as JSON the way the CLI prints it (dates in ISO 8601, text not escaped)."""
    return json.dumps(data, default=_default, ensure_ascii=False, indent=indent)


def quest_row(row: dict) -> dict:
    """One badge quest as `quests --json` lists it."""
    return {key: row[key] for key in QUEST_KEYS}


def _counts(value_of: Callable[[str], int]) -> dict[str, int]:
    """A batch's users per status, under the spec's four words, then "Revoking" and "Revoked"."""
    return {word: value_of(column) for column, word in COUNT_WORDS.items()}


def batch_row(row: dict) -> dict:
    """One row of the batch list (core.history.listing's columns) as `batch list --json` prints it.

    The status without its percentage: scripts read `progress` for that.
    """
    return {
        "id": row["id"],
        "name": row["name"],
        "badge": row["badge"],
        "quest": row["quest"],
        "status": row["status_label"],
        "progress": row["progress"],
        "paused": row["paused"],
        "users": row["users"],
        "counts": _counts(row.__getitem__),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def batch_row_api(row: dict) -> dict:
    """A batch list row as the API answers it: `batch list --json`'s keys and who created it."""
    return {**batch_row(row), "created_by": row["created_by"]}


def batch_summary(batch: Batch) -> dict:
    """A batch as `batch show --json` prints it: id, name, badge, quest, status word, progress,
    paused, users and counts.

    The status of a paused batch ends in " · Paused" as in `batch list --json` (both are
    rules.status_label without the percentage: scripts read `progress` and `paused`).
    """
    status = words.BATCH_STATUS.get(batch.status, batch.status)
    return {
        "id": batch.id,
        "name": batch.name,
        "badge": batch.badge,
        "quest": batch.quest,
        "status": f"{status} · {words.PAUSED}" if batch.is_paused else status,
        "progress": batch.progress,
        "paused": batch.is_paused,
        "users": batch.n_users,
        "counts": _counts(lambda column: getattr(batch, column)),
    }


def batch_detail(uow: UnitOfWork, batch: Batch) -> dict:
    """A batch as the API answers it: `batch show --json`'s keys and what `batch show` prints
    beside them (the queue place, who paused it, the publisher's pause, the error reasons)."""
    from core.publishing import batch_report, publisher_pause, queue

    position = queue.position(uow, batch.id)
    return {
        **batch_summary(batch),
        "quest_id": batch.quest_id,
        "version": batch.version,
        "created_by": batch.created_by,
        "created_at": batch.created_at,
        "updated_at": batch.updated_at,
        "paused_by": batch.paused_by if batch.is_paused else None,
        "paused_at": batch.paused_at if batch.is_paused else None,
        "queue_position": position,
        # A queued batch waits for the publisher's pause as much as for its own.
        "publisher_paused": publisher_pause.paused_line(uow) if position else None,
        "error_reasons": [
            {"reason": reason, "users": n}
            for reason, n in batch_report.error_reasons(uow, batch.id)
        ],
    }


def member_row(row: dict) -> dict:
    """One user of a batch (core.batches.members' columns) as `batch users --json` lists them."""
    return {
        "user_id": row["user_id"],
        "username": row["username"],
        "email": row["email"],
        "status": words.USER_STATUS.get(row["status"], row["status"]),
        "error_reason": row["error_reason"],
        "added_via": row["added_via"],
        "added_at": row["added_at"],
        # Issue 15: why, by whom and when the unlock was revoked (null when it was not).
        **{key: row[key] for key in REVOKE_KEYS},
    }


def user_row(row: dict) -> dict:
    """One platform user (core.segments.segment's columns) as `users list --json` lists them."""
    return {key: row[key] for key in USER_KEYS}
