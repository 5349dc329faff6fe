"""Who is in a batch: putting users in and taking them out, keeping its invariants.

All or nothing inside the caller's transaction: the 5,000-user limit is checked there, the
primary key of batch_users means a user is never in a batch twice, and the batch's counters
are recounted (`uow.batches.refresh_counts`) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from core import audit, words
from core.access.roles import Account, Permission, require
from core.audit import Action
from core.batches import guard, rules
from core.batches.errors import BatchFull, NotEditable
from core.batches.preview import over_limit_message
from core.batches.read_model import Batch
from core.errors import NotFound
from core.store.ports import UnitOfWork

ADDED_VIA = ("csv", "single", "cli", "users", "api")


def open_for_adding(uow: UnitOfWork, actor: Account, batch_id: int, expected: int | None) -> Batch:
    """Claim the batch for adding users: a draft, or a finished batch in
    rules.ADDABLE_STATUSES (it is queued again; revoked users may come back)."""
    batch = guard.claim(uow, actor, batch_id, "add users to", expected)
    takes_users(batch)
    return batch


def open_to_add(uow: UnitOfWork, actor: Account, batch_id: int, expected: int | None) -> Batch:
    """The batch to add users to, checked as `open_for_adding` checks it (who may, the expected
    version, a status that takes users) but not claimed: nothing is written, so an add that
    finds nobody to add (or a dry run) changes nothing; a write bumps the version itself."""
    return takes_users(guard.current(uow, actor, batch_id, "add users to", expected))


def takes_users(batch: Batch) -> Batch:
    """The batch, if its status takes users (rules.ADDABLE_STATUSES); else NotEditable."""
    if batch.status not in rules.ADDABLE_STATUSES:
        raise NotEditable(add_refusal())
    return batch


def add_refusal() -> str:
    """Return why a batch takes no users: the spec's sentence, then what else takes them now."""
    others = [
        f"“{words.BATCH_STATUS[s]}”"
        for s in rules.ADDABLE_STATUSES
        if s not in (rules.DRAFT, rules.PUBLISHED)
    ]
    return f"{words.ADD_REQUIRES_PUBLISHED} A {' or '.join(others)} batch takes users too."


def insert(uow: UnitOfWork, actor: Account, batch: Batch, user_ids: list[int], via: str) -> int:
    """Insert users (skipping any already there), keep the counters; return how many went in."""
    if via not in ADDED_VIA:
        raise ValueError(f"added_via must be one of {ADDED_VIA}")
    if not user_ids:
        return 0
    inserted = uow.members.add(batch.id, user_ids, via, actor.username)
    total = uow.members.count(batch.id)
    if total > rules.MAX_USERS_PER_BATCH:
        # Raising rolls the whole transaction back: nothing from this request is kept.
        raise BatchFull(over_limit_message(total - inserted, inserted))
    if batch.status != rules.DRAFT and inserted:
        # A finished batch with new (or revived) users goes back to the publisher's queue.
        if batch.paused_at is not None:
            # A pause mark left from an earlier run must not hold the new run back.
            uow.batches.set_paused(batch.id, None)
        uow.batches.requeue(batch.id)
        uow.publishing.announce_queued(batch.id)  # wakes workers in other processes at commit
    uow.batches.refresh_counts([batch.id])
    return inserted


def remove_users(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    user_ids: Sequence[int],
    expected: int | None = None,
) -> int:
    """Take users out of a draft in one transaction, all or none; return how many left."""
    require(actor, Permission.EDIT_BATCHES)
    wanted = sorted({int(u) for u in user_ids})
    if not wanted:
        return 0

    def write(u: UnitOfWork) -> int:
        batch = guard.claim(u, actor, batch_id, "change", expected)
        guard.require_draft(batch, "users can be removed")
        gone = set(u.members.remove(batch_id, wanted))
        if missing := [w for w in wanted if w not in gone]:
            # Raising rolls the whole removal back: a stale selection removes no one.
            shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
            raise NotFound(
                f"User ID {shown} {'is' if len(missing) == 1 else 'are'} not in the batch "
                f"“{batch.name}”. Reload the page to see its users, then try again."
            )
        u.batches.refresh_counts([batch_id])
        listed = ", ".join(map(str, wanted[:20])) + (" …" if len(wanted) > 20 else "")
        detail = f"User ID {listed}" if len(wanted) == 1 else f"{len(wanted)} removed: {listed}"
        audit.record(u, actor, Action.USER_REMOVED, batch_id, detail)
        return len(gone)

    return uow.transaction(write)
