"""A draft's life before publishing: create it, rename it, delete it.

Every write checks the role, runs in one transaction and writes the audit log. A page passes
`expected`, the batch's version as it showed it: a batch changed meanwhile is refused in words
and left as it is (core.batches.expected_state). A write that would change nothing writes
nothing, not even "Last updated".
"""

from __future__ import annotations

from core import audit, words
from core.access.roles import Account, Permission, require
from core.audit import Action
from core.batches import expected_state, guard
from core.batches.names import clean_name, normalize_name
from core.batches.read_model import Batch
from core.catalog.badge_tree import quest as get_quest
from core.errors import InputError
from core.store.ports import UnitOfWork


def usable_quest(uow: UnitOfWork, quest_id: int | None) -> None:
    """Refuse a missing or archived badge quest for a batch."""
    if quest_id is None:
        raise InputError(f"The batch has no badge quest. Pick one in the “{words.BADGE}” list.")
    q = get_quest(uow, quest_id)
    if q.archived:
        raise InputError(
            f"The badge quest “{q.badge}: {q.name}” is archived, so it cannot be unlocked. "
            "Pick another badge quest."
        )


def create_draft(uow: UnitOfWork, actor: Account, name: str, quest_id: int) -> int:
    """Save a new draft for a badge quest; return its id."""
    require(actor, Permission.EDIT_BATCHES)
    name = clean_name(name)
    usable_quest(uow, quest_id)
    return uow.transaction(lambda u: insert_draft(u, actor, name, quest_id))


def insert_draft(uow: UnitOfWork, actor: Account, name: str, quest_id: int) -> int:
    """Insert a draft with a cleaned name and its audit entry (inside the caller's transaction)."""
    batch_id = uow.batches.insert_draft(name, quest_id, actor.username)
    q = get_quest(uow, quest_id)
    audit.record(uow, actor, Action.BATCH_CREATED, batch_id, f"“{name}” for {q.badge}: {q.name}")
    return batch_id


def rename_draft(
    uow: UnitOfWork, actor: Account, batch_id: int, name: str, expected: int | None = None
) -> bool:
    """Change a draft's name; return False (and write nothing) when it is the same name."""
    require(actor, Permission.EDIT_BATCHES)
    name = clean_name(name)

    def write(u: UnitOfWork) -> bool:
        batch = guard.current(u, actor, batch_id, "rename", expected)
        guard.require_draft(batch, "name can be changed")
        return _rename(u, actor, batch, name)

    return uow.transaction(write)


def _rename(uow: UnitOfWork, actor: Account, batch: Batch, name: str) -> bool:
    """Store a cleaned name unless it is the batch's name already (under the same rule)."""
    if normalize_name(batch.name) == name:
        return False
    expected_state.bump(uow, batch.id)
    uow.batches.rename(batch.id, name)
    audit.record(uow, actor, Action.DRAFT_RENAMED, batch.id, f"“{batch.name}” → “{name}”")
    return True


def delete_draft(
    uow: UnitOfWork, actor: Account, batch_id: int, expected: int | None = None
) -> None:
    """Delete a draft and its users; a published batch cannot be deleted."""
    require(actor, Permission.EDIT_BATCHES)

    def write(u: UnitOfWork) -> None:
        batch = guard.claim(u, actor, batch_id, "delete", expected)
        guard.require_draft(batch, "can be deleted")
        u.batches.delete(batch_id)
        audit.record(
            u, actor, Action.DRAFT_DELETED, batch_id, f"“{batch.name}” with {batch.n_users} user(s)"
        )

    uow.transaction(write)
