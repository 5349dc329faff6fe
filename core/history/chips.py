"""The list's active filters as chips: one removable label per filter, in the Filters box's order."""

from __future__ import annotations

from dataclasses import dataclass

from core import words
from core.history.terms import FILTER_WORDS
from core.history.view import BatchFilter
from core.store.ports import UnitOfWork


@dataclass(frozen=True)
class Chip:
    """One active filter as the page shows it: a label, and the view once it is removed."""

    key: str  # Stable across reruns, for widget keys: e.g. "status:published".
    label: str  # The spec's words: e.g. "Status: Published".
    without: BatchFilter  # The view after clicking the chip's ✕ (back to the first page).


def filter_chips(uow: UnitOfWork, flt: BatchFilter) -> list[Chip]:
    """Return the active filters of a view as removable chips, in the Filters box's order."""
    chips = [
        Chip(
            f"status:{code}",
            f"{words.STATUS}: {FILTER_WORDS[code]}",  # "Status: Paused" too
            flt.changed(statuses=[s for s in flt.statuses if s != code]),
        )
        for code in flt.statuses
    ]
    if flt.name:
        chips.append(Chip("name", f"{words.BATCH_NAME}: {flt.name}", flt.changed(name="")))
    badge_names = uow.history.badge_names(list(flt.badge_ids)) if flt.badge_ids else {}
    for badge_id in flt.badge_ids:
        label = badge_names.get(badge_id, f"#{badge_id}")
        chips.append(
            Chip(
                f"badge:{badge_id}",
                f"{words.BADGE}: {label}",
                flt.changed(badge_ids=[b for b in flt.badge_ids if b != badge_id]),
            )
        )
    quest_names = uow.history.quest_names(list(flt.quest_ids)) if flt.quest_ids else {}
    for quest_id in flt.quest_ids:
        # A quest's name alone is ambiguous ("First review" of which badge?): show both.
        badge, quest = quest_names.get(quest_id, (None, None))
        label = f"{badge} › {quest}" if quest is not None else f"#{quest_id}"
        chips.append(
            Chip(
                f"quest:{quest_id}",
                f"{words.QUEST}: {label}",
                flt.changed(quest_ids=[q for q in flt.quest_ids if q != quest_id]),
            )
        )
    if flt.created:
        chips.append(
            Chip("created", f"{words.CREATED_AT}: {flt.created.label}", flt.changed(created=None))
        )
    if flt.updated:
        chips.append(
            Chip("updated", f"{words.LAST_UPDATED}: {flt.updated.label}", flt.changed(updated=None))
        )
    return chips
