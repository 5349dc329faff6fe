"""The Users page's active filters as chips (one removable label per filter, in the Filters box's
order), and the whole filter as one line for audit entries, file names and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core import words
from core.history.dates import DateFilter
from core.segments.user_filter import UserFilter

IDS_SHOWN = 10  # a pasted list can hold 1,000 IDs: a chip or a line names the first few
ALL_USERS = "all users"  # describe() of a filter that filters nothing
_DAY_WORDS = {">": "after", "<": "before", "=": "on"}


@dataclass(frozen=True)
class Chip:
    """One active filter as the page shows it: a label, and the filter once it is removed."""

    key: str  # Stable across reruns, for widget keys: e.g. "holds:3".
    label: str  # The page's words: e.g. "Holds: Explorer › Visit 10 pages".
    without: UserFilter  # The filter after clicking the chip's ✕ (back to the first page).


def chips(
    f: UserFilter,
    quest_names: Mapping[int, str],
    batch_names: Mapping[int, str] | None = None,
) -> list[Chip]:
    """Return the active filters as removable chips; quests and batches named where known.

    `quest_names` maps a quest id to how the page writes it ("Badge › Quest"); `batch_names`, if
    given, a batch id to its name.
    """
    found: list[Chip] = []
    if f.text:
        found.append(Chip("text", f"{words.USER_TEXT}: {f.text}", f.changed(text="")))
    if f.ids:
        found.append(Chip("ids", f"{words.USER_IDS}: {_id_list(f.ids)}", f.changed(ids=())))
    if f.active is not None:
        found.append(Chip("active", words.ACTIVE_CHOICE[f.active], f.changed(active=None)))
    if f.registered:
        label = f"{words.REGISTERED_AT} {f.registered.label}"
        found.append(Chip("registered", label, f.changed(registered=None)))
    if f.last_active:
        label = f"{words.LAST_ACTIVE_AT} {f.last_active.label}"
        found.append(Chip("last_active", label, f.changed(last_active=None)))
    for quest_id in f.holds:
        found.append(
            Chip(
                f"holds:{quest_id}",
                f"{words.HOLDS}: {_quest(quest_names, quest_id)}",
                f.changed(holds=[q for q in f.holds if q != quest_id]),
            )
        )
    for quest_id in f.lacks:
        found.append(
            Chip(
                f"lacks:{quest_id}",
                f"{words.LACKS}: {_quest(quest_names, quest_id)}",
                f.changed(lacks=[q for q in f.lacks if q != quest_id]),
            )
        )
    if f.in_batch is not None:
        # "Error in batch 48": the status belongs to the batch, so one chip removes both.
        batch = _batch(batch_names, f.in_batch)
        label = (
            f"{words.USER_STATUS[f.in_batch_status]} in batch {batch}"
            if f.in_batch_status
            else f"{words.IN_BATCH} {batch}"
        )
        found.append(Chip("in_batch", label, f.changed(in_batch=None, in_batch_status=None)))
    if f.not_in_batch is not None:
        label = f"{words.NOT_IN_BATCH} {_batch(batch_names, f.not_in_batch)}"
        found.append(Chip("not_in_batch", label, f.changed(not_in_batch=None)))
    return found


def describe(f: UserFilter, quest_names: Mapping[int, str] | None = None) -> str:
    """Return the filter as one line, e.g. "active, holds quest 3, lacks quest 5"."""
    names = quest_names or {}
    parts: list[str] = []
    if f.text:
        parts.append(f"{words.USER_TEXT.lower()} “{f.text}”")
    if f.ids:
        parts.append(f"{words.USER_IDS} {_id_list(f.ids)}")
    if f.active is not None:
        parts.append(words.ACTIVE_CHOICE[f.active].lower())
    if f.registered:
        parts.append(f"{words.REGISTERED_AT.lower()} {_day(f.registered)}")
    if f.last_active:
        parts.append(f"{words.LAST_ACTIVE_AT.lower()} {_day(f.last_active)}")
    if f.holds:
        parts.append("holds " + " or ".join(_quest_words(names, q) for q in f.holds))
    if f.lacks:
        parts.append("lacks " + " and ".join(_quest_words(names, q) for q in f.lacks))
    if f.in_batch is not None:
        status = words.USER_STATUS[f.in_batch_status].lower() + " " if f.in_batch_status else ""
        parts.append(f"{status}in batch {f.in_batch}")
    if f.not_in_batch is not None:
        parts.append(f"not in batch {f.not_in_batch}")
    return ", ".join(parts) or ALL_USERS


def _id_list(user_ids: tuple[int, ...] | list[int]) -> str:
    shown = ", ".join(str(i) for i in user_ids[:IDS_SHOWN])
    more = len(user_ids) - IDS_SHOWN
    return shown + (f" … ({len(user_ids):,} IDs)" if more > 0 else "")


def _quest(names: Mapping[int, str], quest_id: int) -> str:
    return names.get(quest_id) or f"#{quest_id}"


def _quest_words(names: Mapping[int, str], quest_id: int) -> str:
    name = names.get(quest_id)
    return f"“{name}” (quest {quest_id})" if name else f"quest {quest_id}"


def _batch(names: Mapping[int, str] | None, batch_id: int) -> str:
    name = (names or {}).get(batch_id)
    return f"{batch_id} “{name}”" if name else str(batch_id)


def _day(d: DateFilter) -> str:
    return f"{_DAY_WORDS[d.op]} {d.day.isoformat()}"
