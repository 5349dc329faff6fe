"""Revoking what a finished batch unlocked: the preview (who, and why others not) and the request.

The request sets the chosen users "Revoking" with the reason, in one transaction with the batch
("Revoking") and its audit entry; the publisher then revokes them in chunks, crash-safe, exactly
as it publishes (core.publishing.unlocking). Only unlocks this batch alone gave are deleted: a
user who holds the quest from another batch too keeps it (core.publishing.revoke_preview).
"""

from __future__ import annotations

from dataclasses import dataclass

from core import words
from core.access.roles import Account, Permission, require
from core.audit import Action, record
from core.batches import expected_state, guard, matching, rules
from core.batches.errors import NotEditable
from core.batches.read_model import Batch, get_batch, read
from core.errors import InputError
from core.publishing.revoke_preview import (
    CATEGORIES,
    KEPT,
    NOT_IN_BATCH,
    NOT_UNLOCKED,
    REVOKE,
    RevokePreview,
    RevokeTarget,
    categorise,
    kept_sentence,
)
from core.store.ports import UnitOfWork

__all__ = [
    "CATEGORIES",
    "KEPT",
    "MAX_REASON_LENGTH",
    "NOT_IN_BATCH",
    "NOT_UNLOCKED",
    "REVOKE",
    "RevokeOutcome",
    "RevokePreview",
    "RevokeTarget",
    "clean_reason",
    "preview_revoke",
    "revoke",
]

MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class RevokeOutcome:
    """What a revoke request did, with a sentence for the confirmation."""

    batch_id: int
    requested: int  # users set "Revoking" (their unlock goes, or stays with another batch)
    kept: int  # of those, users another batch keeps the quest for
    status: str
    message: str


def clean_reason(reason: str | None) -> str:
    """Return the reason trimmed; refuse an empty one or one over MAX_REASON_LENGTH characters."""
    text = (reason or "").strip()
    if not text:
        raise InputError(
            "A reason is required: say why these unlocks are revoked (at most "
            f"{MAX_REASON_LENGTH} characters)."
        )
    if len(text) > MAX_REASON_LENGTH:
        raise InputError(
            f"The reason has {len(text):,} characters; keep it to {MAX_REASON_LENGTH} "
            "(the details can go in a linked ticket)."
        )
    return text


def preview_revoke(
    uow: UnitOfWork, actor: Account, batch_id: int, target: RevokeTarget
) -> RevokePreview:
    """Say whom a revoke of this batch would reach, and why the others not; writes no batch.

    An upload or lookup brings the matching index up to date first (its own small write).
    """
    require(actor, Permission.EDIT_BATCHES)
    target.check()
    batch = get_batch(uow, batch_id, actor)
    check_revocable(batch)
    if target.matches_names:
        matching.sync_user_index(uow)
    return categorise(uow, batch, target)


def revoke(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    target: RevokeTarget,
    reason: str,
    expected: int | None = None,
) -> RevokeOutcome:
    """Ask the publisher to revoke the target users' unlocks of this batch, with a reason.

    Decided again inside the transaction (what is revoked is what holds now); revoking nobody is
    refused and writes nothing. `expected` is the batch's version as the caller showed it.
    """
    require(actor, Permission.EDIT_BATCHES)
    reason = clean_reason(reason)
    target.check()
    if target.matches_names:
        matching.sync_user_index(uow)  # its own write: before this transaction opens
    return uow.transaction(lambda u: _revoke(u, actor, batch_id, target, reason, expected))


def _revoke(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    target: RevokeTarget,
    reason: str,
    expected: int | None,
) -> RevokeOutcome:
    batch = guard.current(uow, actor, batch_id, "revoke", expected)
    check_revocable(batch)
    preview = categorise(uow, batch, target)
    if not preview.user_ids:
        raise InputError(
            f"None of the chosen users can be revoked from “{batch.name}” "
            f"({preview.counts_text() or 'nobody chosen'}), so nothing was changed."
        )
    expected_state.bump(uow, batch_id)
    if batch.paused_at is not None:
        # A pause mark left from the batch's publishing must not hold its revoke back.
        uow.batches.set_paused(batch_id, None)
    requested = uow.publishing.request_revoke(
        batch_id, list(preview.user_ids), reason, actor.username
    )
    uow.batches.refresh_counts([batch_id])
    # Heard by idle workers in any process once this transaction commits.
    uow.publishing.announce_queued(batch_id)
    record(uow, actor, Action.REVOKE_REQUESTED, batch_id, f"{requested} user(s): {reason}")
    after = read(uow, batch_id)
    kept = preview.counts[KEPT]
    return RevokeOutcome(batch_id, requested, kept, after.status, _done(preview, batch.name))


def _done(preview: RevokePreview, name: str) -> str:
    """The confirmation of a revoke request: who loses the quest, who keeps it."""
    revoked, kept = preview.counts[REVOKE], preview.counts[KEPT]
    if not revoked and kept == 1:
        return (
            f"The chosen user of “{name}” turns “{words.REVOKED}” in the background, but keeps "
            f"{preview.quest_label}: another batch unlocked it too."
        )
    if not revoked:
        return (
            f"The {kept:,} chosen users of “{name}” turn “{words.REVOKED}” in the background, "
            f"but keep {preview.quest_label}: other batches unlocked it too."
        )
    message = (
        f"Revoking {preview.quest_label} from {words.count(revoked, 'user')} of “{name}” in the "
        f"background: they turn “{words.REVOKED}” as the publisher goes."
    )
    return f"{message} {kept_sentence(kept)}" if kept else message


def check_revocable(batch: Batch) -> None:
    """Refuse, in words, a batch whose unlocks cannot be revoked now (and say what can be done)."""
    if batch.status in rules.REVOCABLE_STATUSES and not batch.is_paused:
        return
    name, label = batch.name, batch.status_label
    if batch.status == rules.DRAFT:
        text = (
            f"“{name}” is a draft: it has unlocked nothing, so there is nothing to revoke. "
            "Take users out of the draft instead."
        )
    elif batch.status == rules.UNPUBLISHED:
        text = (
            f"“{name}” is queued and has unlocked nothing yet, so there is nothing to revoke. "
            "Cancel publishing instead to take it back to a draft "
            f"({words.both_ways(words.CANCEL_PUBLISHING, 'cancel')})."
        )
    elif batch.status == rules.IN_PROGRESS and batch.is_paused:
        text = (
            f"“{name}” is paused while it is still being published (“{label}”): it must finish "
            f"publishing before it can be revoked. Resume it "
            f"({words.both_ways(words.RESUME, 'resume')}), or revoke after it has finished."
        )
    elif batch.status == rules.IN_PROGRESS:
        text = (
            f"“{name}” is still being published (“{label}”). Pause it, or wait until it has "
            "finished, then revoke."
        )
    elif batch.status == rules.REVOKING:
        text = (
            f"“{name}” is being revoked already (“{label}”). Wait until it has finished, then "
            f"revoke the users still “{words.PUBLISHED}”."
        )
    elif batch.status == rules.REVOKED:
        text = f"“{name}” is “{label}”: every unlock it made is revoked already."
    else:
        text = f"“{name}” is “{label}”, so its unlocks cannot be revoked now."
    raise NotEditable(text)
