"""Undo before the end: cancel a queued batch (back to a draft), pause and resume a running one.

Each is a person's change to one batch: role-checked, at the version the page showed
(core.batches.guard), one transaction with its audit entry. A pause keeps the batch's status and
its place in the queue; the publisher's chunks skip it until it is resumed. Revoking what a batch
unlocked is core.publishing.revoking; the whole publisher's pause core.publishing.publisher_pause.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import words
from core.access.roles import Account, Permission, require
from core.audit import Action, record
from core.batches import expected_state, guard, rules
from core.batches.errors import NotEditable
from core.batches.read_model import Batch
from core.batches.visibility import draft_scope
from core.errors import PermissionDenied
from core.publishing import publisher_pause
from core.store.ports import UnitOfWork

CANCEL, PAUSE, RESUME = "cancel", "pause", "resume"
ACTIONS = (CANCEL, PAUSE, RESUME)


@dataclass(frozen=True)
class UndoOutcome:
    """What a cancel, pause or resume did, with a sentence for the confirmation."""

    batch_id: int
    name: str
    status: str
    message: str


def cancel(
    uow: UnitOfWork, actor: Account, batch_id: int, expected: int | None = None
) -> UndoOutcome:
    """Take a queued batch that nothing was processed of ("Unpublished") back to a draft."""
    require(actor, Permission.EDIT_BATCHES)

    def write(u: UnitOfWork) -> UndoOutcome:
        batch = guard.current(u, actor, batch_id, "cancel", expected)
        if batch.status != rules.UNPUBLISHED:
            raise NotEditable(_cannot_cancel(batch))
        if not draft_scope(actor).sees(rules.DRAFT, batch.created_by):
            raise PermissionDenied(
                f"“{batch.name}” was created by {batch.created_by}: cancelled, it is their draft "
                "again, so only they or an admin may cancel it. Ask them, or pause it instead."
            )
        expected_state.bump(u, batch_id)
        u.batches.cancel_to_draft(batch_id)
        record(
            u,
            actor,
            Action.BATCH_CANCELLED,
            batch_id,
            f"“{batch.name}” with {batch.n_users} user(s)",
        )
        return UndoOutcome(
            batch_id,
            batch.name,
            rules.DRAFT,
            f"“{batch.name}” left the publishing queue and is a draft again; none of its "
            f"{words.count(batch.n_users, 'user')} was unlocked. Edit it, publish it again, "
            "or delete it.",
        )

    return uow.transaction(write)


def pause(
    uow: UnitOfWork, actor: Account, batch_id: int, expected: int | None = None
) -> UndoOutcome:
    """Stop the publisher taking more users of a running batch ("In Progress" or "Revoking")."""
    require(actor, Permission.EDIT_BATCHES)

    def write(u: UnitOfWork) -> UndoOutcome:
        batch = guard.current(u, actor, batch_id, "pause", expected)
        if batch.is_paused:
            raise NotEditable(
                f"“{batch.name}” is paused already (by {batch.paused_by}). "
                f"Resume it to let it go on ({words.both_ways(words.RESUME, 'resume')})."
            )
        if batch.status not in rules.PAUSABLE_STATUSES:
            raise NotEditable(_cannot_pause(batch))
        expected_state.bump(u, batch_id)
        u.batches.set_paused(batch_id, actor.username)
        record(u, actor, Action.BATCH_PAUSED, batch_id, _where(batch))
        return UndoOutcome(
            batch_id,
            batch.name,
            batch.status,
            f"“{batch.name}” is paused: the publisher finishes the chunk it is in, then takes "
            f"no more of its users until it is resumed. It keeps its place in the queue.",
        )

    return uow.transaction(write)


def resume(
    uow: UnitOfWork, actor: Account, batch_id: int, expected: int | None = None
) -> UndoOutcome:
    """Let the publisher take the users of a paused batch again, from its place in the queue."""
    require(actor, Permission.EDIT_BATCHES)

    def write(u: UnitOfWork) -> UndoOutcome:
        batch = guard.current(u, actor, batch_id, "resume", expected)
        if not batch.is_paused:
            raise NotEditable(
                f"“{batch.name}” is not paused (it is “{batch.status_label}”), so there is "
                "nothing to resume."
            )
        expected_state.bump(u, batch_id)
        u.batches.set_paused(batch_id, None)
        # Heard by idle workers in any process once this transaction commits.
        u.publishing.announce_queued(batch_id)
        record(u, actor, Action.BATCH_RESUMED, batch_id, _where(batch))
        message = f"“{batch.name}” is running again from its place in the queue."
        if publisher_pause.is_paused(u):
            message += " The publisher itself is paused: it goes on once an admin resumes it."
        return UndoOutcome(batch_id, batch.name, batch.status, message)

    return uow.transaction(write)


def undo_question(batch: Batch, action: str) -> str:
    """Return the confirmation question for "cancel", "pause" or "resume", saying what happens."""
    name = batch.name
    if action == CANCEL:
        return (
            f"Cancel publishing “{name}”? It leaves the queue and goes back to a draft with its "
            f"{words.count(batch.n_users, 'user')}; nobody has been unlocked yet."
        )
    waiting, doing = _waiting(batch)
    if action == PAUSE:
        return (
            f"Pause “{name}”? The publisher finishes the chunk it is in, then {doing} no more of "
            f"its users until you resume it ({words.count(waiting, 'user')} still waiting). "
            "It keeps its place in the queue."
        )
    if action == RESUME:
        return (
            f"Resume “{name}”? The publisher goes on with its "
            f"{words.count(waiting, 'user')} still waiting, from its place in the queue."
        )
    raise ValueError(f"action must be one of {ACTIONS}")


def _waiting(batch: Batch) -> tuple[int, str]:
    """How many users the batch still waits for, and what the publisher does to them."""
    if batch.status == rules.REVOKING:
        return batch.n_revoking, "revokes"
    return batch.n_unpublished + batch.n_in_progress, "unlocks"


def _where(batch: Batch) -> str:
    """The audit detail of a pause or resume: how far the batch got."""
    return f"at {batch.progress}%: {_waiting(batch)[0]} user(s) waiting"


def _cannot_cancel(batch: Batch) -> str:
    """Why this batch cannot be cancelled, and what can be done instead."""
    name, word = batch.name, words.BATCH_STATUS.get(batch.status, batch.status)
    if batch.status == rules.DRAFT:
        return f"“{name}” is a draft: it is not queued, so there is nothing to cancel."
    if batch.status == rules.IN_PROGRESS:
        return (
            f"“{name}” is “{word}”: publishing has started and some of its users are already "
            f"unlocked, so it cannot be cancelled. Pause it instead to stop it taking more "
            f"users ({words.both_ways(words.PAUSE, 'pause')})."
        )
    if batch.status == rules.REVOKING:
        return (
            f"“{name}” is “{word}”: its unlocks are being revoked, so it cannot be cancelled. "
            f"Pause it instead ({words.both_ways(words.PAUSE, 'pause')})."
        )
    return (
        f"“{name}” is “{word}”: publishing is over, so there is nothing to cancel. To take back "
        f"what it unlocked, use “{words.REVOKE}”."
    )


def _cannot_pause(batch: Batch) -> str:
    """Why this batch cannot be paused, and what can be done instead."""
    name, word = batch.name, words.BATCH_STATUS.get(batch.status, batch.status)
    if batch.status == rules.DRAFT:
        return f"“{name}” is a draft: it is not being published, so there is nothing to pause."
    if batch.status == rules.UNPUBLISHED:
        return (
            f"“{name}” is queued but has not started, so there is nothing to pause. Cancel "
            "publishing instead to take it out of the queue (it goes back to a draft): "
            f"{words.both_ways(words.CANCEL_PUBLISHING, 'cancel')}."
        )
    return (
        f"“{name}” is “{word}”: the publisher has finished with it, so there is nothing to pause."
    )
