"""What every API write shares (issue 17): its refusals in HTTP's terms, the visibility check,
and the batch it answers.

A refusal's class tells the frame its HTTP status (`http_status`): `Conflict` (the batch's state
refuses the action, 409), `PreconditionFailed` (If-Match names another version, 412); the other refusals keep the core's classes (and statuses:
`core.errors.OverLimit`, any upload bound, is 413).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.access.roles import Account
from core.api import shapes
from core.batches.expected_state import CHANGED_BY, Stale
from core.batches.read_model import get_batch, read
from core.errors import BatchUnlockError, NotFound, OverLimit
from core.store.ports import UnitOfWork


class Conflict(BatchUnlockError):
    """The batch's state refuses the action (HTTP 409); the message is the page's sentence."""

    http_status = 409


class PreconditionFailed(BatchUnlockError):
    """The batch is not at the version If-Match names (HTTP 412); nothing was changed.

    `version` is the batch's version now (None when it was deleted): the route sends its ETag.
    """

    http_status = 412

    def __init__(self, message: str, version: int | None, changed: dict | None) -> None:
        super().__init__(message)
        self.version = version
        self.extensions: dict[str, Any] = {"changed": changed}
        self.headers: dict[str, str] = {}


def visible(uow: UnitOfWork, actor: Account, batch_id: int) -> None:
    """Refuse a batch the actor may not see as a missing one, before any write looks at it.

    The writes' own reads tell a missing id from someone else's draft; over the API (where ids
    are easily tried) both must read alike, as core.batches.read_model.get_batch words them.
    """
    get_batch(uow, batch_id, actor)


def batch_object(uow: UnitOfWork, batch_id: int) -> dict:
    """The batch as GET /batches/{id} answers it (core.api.shapes), read after the write."""
    return shapes.batch_detail(uow, read(uow, batch_id))


@contextmanager
def state_as_conflict(*kinds: type[BatchUnlockError]) -> Iterator[None]:
    """Turn the core's refusals of a batch's state (`kinds`) into Conflict, in the same words.

    A stale version is no state refusal (it is PreconditionFailed, handled outside).
    """
    try:
        yield
    except Stale:
        raise
    except kinds as exc:
        if isinstance(exc, Conflict | OverLimit | PreconditionFailed):
            raise
        raise Conflict(str(exc)) from exc


@contextmanager
def stale_as_precondition(uow: UnitOfWork, batch_id: int) -> Iterator[None]:
    """Turn Stale (the version If-Match named is not the batch's) into PreconditionFailed."""
    try:
        yield
    except Stale as stale:
        raise precondition_failed(uow, stale) from stale


def precondition_failed(uow: UnitOfWork, stale: Stale) -> PreconditionFailed:
    """The 412 refusal: what changed the batch, who and when, and its current ETag."""
    change = stale.change
    what = "deleted" if stale.deleted else "changed"
    if change is not None:
        what = "deleted" if stale.deleted else CHANGED_BY.get(change.action, "changed")
        happened = f"was {what} by {change.actor} at {change.happened_at:%Y-%m-%d %H:%M} UTC"
    else:
        happened = f"was {what}"
    advice = (
        "GET the batch again for its new ETag, check it, then retry with that ETag."
        if not stale.deleted
        else "It no longer exists."
    )
    message = (
        f"Batch {stale.batch_id} {happened}, after the version your If-Match names, so nothing "
        f"was changed. {advice}"
    )
    try:
        version = None if stale.deleted else read(uow, stale.batch_id).version
    except NotFound:
        version = None
    changed = (
        None
        if change is None
        else {"by": change.actor, "action": change.action, "at": change.happened_at.isoformat()}
    )
    return PreconditionFailed(message, version, changed)
