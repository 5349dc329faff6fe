"""Pointing a draft at another badge quest: who would leave it (they hold the new quest), told
before the change and checked again when it is made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core import audit
from core.access.roles import Account, Permission, require
from core.audit import Action
from core.batches import expected_state, guard
from core.batches.drafts import usable_quest
from core.batches.errors import RemovalsChanged
from core.batches.read_model import Batch
from core.catalog.badge_tree import quest as get_quest
from core.store.ports import UnitOfWork


@dataclass(frozen=True)
class QuestChange:
    """What pointing a draft at another badge quest does: who would leave the draft, and why."""

    batch_id: int
    version: int
    quest_id: int
    badge: str
    quest: str
    removed: tuple[tuple[int, str], ...]  # (User ID, username) of users who hold the new quest

    @property
    def removed_ids(self) -> list[int]:
        """Return the User IDs that the change would take out of the draft."""
        return [user_id for user_id, _ in self.removed]

    def _who(self) -> str:
        n = len(self.removed)
        shown = ", ".join(f"{uid} ({name})" for uid, name in self.removed[:10])
        return shown + (f" and {n - 10:,} more" if n > 10 else "")

    @property
    def warning(self) -> str:
        """Say, before the change, who it would remove from the draft and why ("" for no one)."""
        n = len(self.removed)
        if not n:
            return ""
        holds = "already holds" if n == 1 else "already hold"
        return (
            f"{n:,} user{'s' if n != 1 else ''} {holds} “{self.badge} › {self.quest}” and "
            f"will be removed from this draft (a quest is never unlocked twice): {self._who()}."
        )

    @property
    def message(self) -> str:
        """Say, after the change, what it did."""
        text = f"The badge quest is now “{self.badge} › {self.quest}”."
        if self.removed:
            n = len(self.removed)
            text += (
                f" {n:,} user{'s' if n != 1 else ''} who already held it "
                f"{'was' if n == 1 else 'were'} removed: {self._who()}."
            )
        return text


def _quest_change(
    uow: UnitOfWork, actor: Account, batch_id: int, quest_id: int, expected: int | None
) -> tuple[Batch, QuestChange]:
    batch = guard.current(uow, actor, batch_id, "change", expected)
    guard.require_draft(batch, "badge quest can be changed")
    q = get_quest(uow, quest_id)
    removed = () if batch.quest_id == quest_id else tuple(uow.members.holders(batch_id, quest_id))
    return batch, QuestChange(batch.id, batch.version, quest_id, q.badge, q.name, removed)


def preview_quest_change(
    uow: UnitOfWork, actor: Account, batch_id: int, quest_id: int, expected: int | None = None
) -> QuestChange:
    """Tell what pointing a draft at another badge quest would do, writing nothing.

    Pass the result's `version` and `removed_ids` to change_draft_quest once the admin confirms.
    """
    require(actor, Permission.EDIT_BATCHES)
    usable_quest(uow, quest_id)
    return _quest_change(uow, actor, batch_id, quest_id, expected)[1]


def change_draft_quest(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    quest_id: int,
    expected: int | None = None,
    expected_removed: Sequence[int] | None = None,
) -> int:
    """Point a draft at another badge quest; return how many users were removed from it.

    Users who already hold the new quest cannot be unlocked again, so they leave the draft. With
    `expected_removed` (the User IDs the admin was told would leave), any other set is refused
    and nothing changes; the same quest again writes nothing.
    """
    require(actor, Permission.EDIT_BATCHES)
    usable_quest(uow, quest_id)

    def write(u: UnitOfWork) -> int:
        batch, change = _quest_change(u, actor, batch_id, quest_id, expected)
        if batch.quest_id == quest_id:
            return 0
        if expected_removed is not None and sorted(set(expected_removed)) != change.removed_ids:
            told = len(set(expected_removed))
            raise RemovalsChanged(
                f"The users who already hold “{change.badge} › {change.quest}” changed since you "
                f"were told: {len(change.removed):,} would now be removed, not {told:,}. Nothing "
                "was changed; choose the quest again to see who would leave."
            )
        expected_state.bump(u, batch_id)
        if change.removed:
            u.members.remove(batch_id, change.removed_ids)
        u.batches.set_quest(batch_id, quest_id)
        u.batches.refresh_counts([batch_id])
        audit.record(u, actor, Action.DRAFT_QUEST_CHANGED, batch_id, _detail(change))
        return len(change.removed)

    return uow.transaction(write)


def _detail(change: QuestChange) -> str:
    detail = f"now {change.badge}: {change.quest}"
    if change.removed:
        ids = ", ".join(str(u) for u in change.removed_ids[:20])
        more = " …" if len(change.removed) > 20 else ""
        detail += f"; {len(change.removed)} user(s) who already hold it removed: {ids}{more}"
    return detail
