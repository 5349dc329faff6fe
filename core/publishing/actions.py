"""Publishing a batch: the action behind the Publish button (and `batch publish`).

Statuses are the codes of core.batches.rules; words for people come from core.words.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import words
from core.access.roles import Account, Permission, require
from core.audit import Action, record
from core.batches import expected_state, rules
from core.batches.guard import read_expected
from core.batches.names import clean_name, normalize_name
from core.batches.read_model import read
from core.batches.visibility import draft_scope
from core.errors import InputError, PermissionDenied
from core.publishing import queue
from core.store.ports import UnitOfWork
from core.webhooks import events


@dataclass(frozen=True)
class PublishOutcome:
    """What pressing Publish did, with a sentence for the confirmation."""

    batch_id: int
    name: str
    status: str
    users: int
    changed: bool
    position: int | None

    @property
    def message(self) -> str:
        """Return the confirmation to show the admin."""
        if not self.changed:
            return f"“{self.name}” is already queued for publishing{_place(self.position)}."
        if self.users == 0:
            return f"“{self.name}” has no users, so it is “{words.PUBLISHED}” at once."
        return (
            f"“{self.name}” was queued: its {words.count(self.users, 'user')} will be unlocked "
            f"in the background{_place(self.position)}."
        )


def _place(position: int | None) -> str:
    return f" ({queue.ordinal(position)} in the queue)" if position else ""


def publish(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    expected: int | None = None,
    name: str | None = None,
) -> PublishOutcome:
    """Queue a draft (or an edited batch); a batch without users is "Published" at once.

    Safe to press twice: a batch already in the queue is left as it is (`changed` is False).
    `expected` is the batch's version as the caller showed it (see core.batches.expected_state);
    `name` is the draft's name as typed, stored in the same transaction (so a rename not yet
    applied is what gets published, and an empty name publishes nothing).
    """
    require(actor, Permission.EDIT_BATCHES)
    new_name = None if name is None else clean_name(name)
    outcome = uow.transaction(lambda u: _publish(u, actor, batch_id, expected, new_name))
    if outcome.status in rules.PENDING_STATUSES:
        place = queue.position(uow, batch_id)
        outcome = PublishOutcome(
            outcome.batch_id, outcome.name, outcome.status, outcome.users, outcome.changed, place
        )
    return outcome


def _publish(
    uow: UnitOfWork, actor: Account, batch_id: int, expected: int | None, new_name: str | None
) -> PublishOutcome:
    batch = read_expected(uow, batch_id, expected)
    name, status = batch.name, batch.status
    if not draft_scope(actor).sees(status, batch.created_by):
        raise PermissionDenied(
            f"The draft “{name}” belongs to {batch.created_by}; only they or an admin may "
            "publish it."
        )
    # From the users themselves: an edit may have left the counters behind.
    users, pending = uow.publishing.user_counts(batch_id)
    if status in rules.PENDING_STATUSES:
        return PublishOutcome(batch_id, name, status, users, False, None)
    if status != rules.DRAFT and pending == 0:
        word = words.BATCH_STATUS.get(status, status)
        hint = (
            f" Use “{words.RETRY_ERRORS}” to try the users in “{words.ERROR}” again."
            if status == rules.PARTIALLY_PUBLISHED
            else " Add users to it first."
        )
        raise InputError(f"“{name}” is “{word}” and has no user waiting to be unlocked.{hint}")
    if batch.quest is None or batch.badge is None:
        raise InputError(
            f"The badge quest of “{name}” no longer exists, so the batch cannot be published."
        )
    if batch.quest_archived:
        raise InputError(
            f"The badge quest “{batch.badge}: {batch.quest}” of “{name}” is archived, so it "
            "cannot be unlocked. Restore it first, or create a batch for another quest."
        )
    if new_name is not None and status == rules.DRAFT and normalize_name(name) != new_name:
        uow.batches.rename(batch_id, new_name)
        record(uow, actor, Action.DRAFT_RENAMED, batch_id, f"“{name}” → “{new_name}”")
        name = new_name
    expected_state.bump(uow, batch_id)
    uow.batches.requeue(batch_id)
    # The counters and the status come from the users: none → "Published" at once.
    uow.batches.refresh_counts([batch_id])
    after = read(uow, batch_id)
    if after.status in rules.PENDING_STATUSES:
        # Heard by idle workers in any process once this transaction commits.
        uow.publishing.announce_queued(batch_id)
    detail = f"{after.n_users} user(s) queued" if after.n_users else "no users: published at once"
    record(uow, actor, Action.BATCH_PUBLISHED, batch_id, detail)
    # Webhooks are told in this transaction (the outbox commits with the publish or not at all).
    events.enqueue(uow, events.PUBLISHED, batch_id)
    if after.status in rules.FINISHED_STATUSES:  # no users: "Published" at once
        events.enqueue(uow, events.FINISHED, batch_id)
    return PublishOutcome(batch_id, name, after.status, after.n_users, True, None)
