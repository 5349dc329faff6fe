"""The list page's decisions, so the page only reads widgets, calls one of these and renders.

Which statuses a viewer may filter on, the view a link gives that viewer, the view a badge tree
or a date search gives, and the table of one page with each batch's status in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from core import words
from core.access.roles import Account
from core.batches import rules
from core.batches.visibility import sees_any_drafts
from core.catalog.badge_tree import Quest
from core.errors import InputError
from core.history.dates import DateFilter
from core.history.listing import BatchPage, list_batches
from core.history.terms import FILTER_CODES, FILTER_WORDS, PAGE_SIZE_CHOICES
from core.history.url import parse_query_params
from core.history.view import BatchFilter
from core.publishing import queue
from core.store.ports import UnitOfWork


def status_choices(viewer: Account) -> list[tuple[str, str]]:
    """Return (code, word) for the Status dropdown, "Paused" last; "Draft" only for who can see
    drafts."""
    drafts = sees_any_drafts(viewer)
    return [(code, FILTER_WORDS[code]) for code in FILTER_CODES if code != rules.DRAFT or drafts]


def view_from_url(
    params: Mapping[str, str | Sequence[str]], viewer: Account
) -> tuple[BatchFilter, list[str]]:
    """Read the view of a link for this viewer, leaving out what they may not see (with notes)."""
    view, notes = parse_query_params(params)
    visible = dict(status_choices(viewer))
    if hidden := [s for s in view.statuses if s not in visible]:
        # A link made by an admin may ask for drafts, which this account cannot see.
        notes.append(
            "The link's status filter "
            + ", ".join(FILTER_WORDS[s] for s in hidden)
            + " was left out: your role does not see those batches."
        )
        view = view.changed(statuses=[s for s in view.statuses if s in visible])
    return view, notes


def checked_quests(view: BatchFilter, tree: dict[str, list[Quest]]) -> set[int]:
    """Return the quests the Badge tree shows checked: the view's quests and its badges' ones."""
    return set(view.quest_ids) | {
        q.id for quests in tree.values() for q in quests if q.badge_id in view.badge_ids
    }


def with_checked(view: BatchFilter, tree: dict[str, list[Quest]], checked: set[int]) -> BatchFilter:
    """Return the view filtered on the checked quests; a fully checked badge counts as the badge."""
    badge_ids, quest_ids = [], []
    for quests in tree.values():
        ids = {q.id for q in quests}
        if ids <= checked:
            badge_ids.append(quests[0].badge_id)  # a whole badge reads better as one chip
        else:
            quest_ids += sorted(ids & checked)
    return view.changed(badge_ids=badge_ids, quest_ids=quest_ids)


def with_dates(
    view: BatchFilter, created: tuple[str, date | None], updated: tuple[str, date | None]
) -> BatchFilter:
    """Return the view with the More filters' two (operator, day) rows; no day is refused."""
    picked = {
        field: DateFilter(op, day) if day else None
        for field, (op, day) in (("created", created), ("updated", updated))
    }
    if not any(picked.values()):
        raise InputError(
            f"Pick a whole date (year, month and day) for “{words.CREATED_AT}” or "
            f"“{words.LAST_UPDATED}”, then press “{words.SEARCH}”."
        )
    return view.changed(created=picked["created"], updated=picked["updated"])


def page_sizes(view: BatchFilter) -> list[int]:
    """Return the "Rows per page" choices, with the view's own size if a link asked for another."""
    return sorted({*PAGE_SIZE_CHOICES, view.page_size})


@dataclass(frozen=True)
class ListTable:
    """One page of the list as the page draws it: rows with `status_text`, and whether any runs."""

    page: BatchPage
    running: bool  # a batch on the page is queued, publishing or revoking: the page polls


# The statuses of a batch the publisher has work for (paused or not: it may be resumed anywhere).
_RUNNING = (*rules.PENDING_STATUSES, rules.REVOKING)


def status_text(status: str, progress: int, place: int | None, paused: bool = False) -> str:
    """Return a batch's status in the spec's words ("In Progress (40%) · Paused"); a queued
    batch says its place in the queue."""
    text = rules.status_label(status, progress, paused)
    if place is not None and status == rules.UNPUBLISHED:
        text += f" · {queue.ordinal(place)} in the queue"
    return text


def batch_table(uow: UnitOfWork, viewer: Account, view: BatchFilter, tz: str) -> ListTable:
    """Return the page of the view for the table, each status in words with its queue place."""
    page = list_batches(uow, viewer, view, tz)
    rows = page.rows
    running = rows.filter(pl.col("status").is_in(list(_RUNNING))).height > 0
    queued = rows.filter(pl.col("status") == rules.UNPUBLISHED).height > 0
    # Each "Unpublished" batch shows its place in the publishing queue.
    places = dict(queue.queued_batches(uow).select("id", "position").iter_rows()) if queued else {}
    texts = [
        status_text(s, p, places.get(i), bool(z))
        for i, s, p, z in zip(
            rows["id"], rows["status"], rows["progress"], rows["paused"], strict=True
        )
    ]
    rows = rows.with_columns(pl.Series("status_text", texts, dtype=pl.String))
    return ListTable(BatchPage(rows, page.total, page.page, page.page_size), running)
