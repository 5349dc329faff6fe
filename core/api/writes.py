"""The API's writes (issue 17): the same core functions the pages and the CLI call, answering JSON.

Each use case takes the unit of work and the acting account, calls the one core function that
holds the rule (core.batches, core.publishing) and answers a JSON-ready dict: the batch as
GET /batches/{id} gives it, with what the action said beside it. Their transactions join a
caller's, so the frame can run a use case inside its idempotency key's transaction
(core.api.idempotency): a retry replays the one answer, and nothing is done twice. Here: publish,
retry, cancel, pause, resume, revoke; creating and filling batches is core/api/write_adds.py, the
lists a request names core/api/write_lists.py, the refusals in HTTP's terms
core/api/write_checks.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core import words
from core.access.roles import Account, Permission, require
from core.api.write_checks import (
    batch_object,
    stale_as_precondition,
    state_as_conflict,
    visible,
)
from core.batches import guard
from core.batches.errors import NotEditable
from core.errors import InputError
from core.publishing import actions, retry, revoking, undo
from core.publishing.revoke_target import RevokeTarget
from core.store.ports import UnitOfWork
from core.upload.user_list import Upload


def publish(uow: UnitOfWork, actor: Account, batch_id: int, expected: int | None = None) -> dict:
    """Queue a batch (the Publish button); answer the batch, the sentence and its queue place."""
    require(actor, Permission.EDIT_BATCHES)
    visible(uow, actor, batch_id)
    with stale_as_precondition(uow, batch_id), state_as_conflict(InputError):
        outcome = actions.publish(uow, actor, batch_id, expected)
    return {**batch_object(uow, batch_id), "message": outcome.message, "position": outcome.position}


def retry_errors(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    *,
    all_users: bool = False,
    expected: int | None = None,
) -> dict:
    """Queue the users in "Error" again (only those who can succeed now, unless `all_users`)."""
    require(actor, Permission.EDIT_BATCHES)
    visible(uow, actor, batch_id)
    with stale_as_precondition(uow, batch_id), state_as_conflict(InputError):
        plan = retry.retry_plan(uow, batch_id)
        queued = retry.retry_errors(uow, actor, batch_id, expected, only_retryable=not all_users)
    failing = plan.message if plan.failing and not all_users else None
    return {
        **batch_object(uow, batch_id),
        "queued": queued,
        "message": retry.queued_again(queued),
        "failing_message": failing,
    }


UNDO_ACTIONS: dict[str, Callable[..., undo.UndoOutcome]] = {
    undo.CANCEL: undo.cancel,
    undo.PAUSE: undo.pause,
    undo.RESUME: undo.resume,
}


def undo_action(
    uow: UnitOfWork, actor: Account, batch_id: int, action: str, expected: int | None = None
) -> dict:
    """Cancel, pause or resume a batch (undo.ACTIONS); answer the batch and the sentence."""
    require(actor, Permission.EDIT_BATCHES)
    visible(uow, actor, batch_id)
    act = UNDO_ACTIONS[action]
    with stale_as_precondition(uow, batch_id), state_as_conflict(NotEditable):
        outcome = act(uow, actor, batch_id, expected)
    return {**batch_object(uow, batch_id), "message": outcome.message}


def revoke_target(
    *,
    all_users: bool = False,
    user_ids: Sequence[int] = (),
    lookup: str | None = None,
    upload: Upload | None = None,
) -> RevokeTarget:
    """Whom a revoke request names: exactly one of all, User IDs, one lookup or rows."""
    given = sum([all_users, bool(user_ids), lookup is not None, upload is not None])
    if given > 1:
        raise InputError(
            "Name whom to revoke in one way only: all, user_ids, lookup or users (or a CSV body)."
        )
    return RevokeTarget(
        all_users=all_users,
        user_ids=tuple(dict.fromkeys(int(u) for u in user_ids)),
        upload=upload,
        lookup=lookup,
    )


def revoke(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    target: RevokeTarget,
    reason: str | None,
    *,
    dry_run: bool = False,
    expected: int | None = None,
) -> dict:
    """Ask for a revoke (or preview it with `dry_run`), as `batch revoke` does."""
    require(actor, Permission.EDIT_BATCHES)
    visible(uow, actor, batch_id)
    with stale_as_precondition(uow, batch_id), state_as_conflict(NotEditable):
        if dry_run:
            if expected is not None:
                guard.current(uow, actor, batch_id, "revoke", expected)
            return revoke_preview_answer(revoking.preview_revoke(uow, actor, batch_id, target))
        outcome = revoking.revoke(uow, actor, batch_id, target, reason or "", expected)
    return {
        **batch_object(uow, batch_id),
        "requested": outcome.requested,
        "kept": outcome.kept,
        "revoke_status": words.BATCH_STATUS.get(outcome.status, outcome.status),
        "message": outcome.message,
    }


# The preview's counts as `batch revoke --dry-run --json` gives them, in the order.
REVOKE_COUNT_KEYS = (
    revoking.REVOKE,
    revoking.NOT_IN_BATCH,
    revoking.NOT_UNLOCKED,
    revoking.KEPT,
)
REVOKE_DETAIL_KEYS = ("row", "user_id", "username", "category", "message")


def revoke_preview_answer(preview: revoking.RevokePreview) -> dict:
    """The revoke preview as `batch revoke --dry-run --json` prints it."""
    return {
        "id": preview.batch_id,
        "name": preview.batch_name,
        "quest": preview.quest_label,
        "dry_run": True,
        **{key: preview.counts[key] for key in REVOKE_COUNT_KEYS},
        "question": preview.question,
        "details": preview.details.select(REVOKE_DETAIL_KEYS).to_dicts(),
    }
