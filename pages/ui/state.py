"""What the app itself keeps in a tab's session state, each entry once, with its type.

Widgets own their own keys (`key=` of a widget holds its value); the entries below are the
app's: set by one run or callback, read by a later one. Reading them through these slots keeps
every key's spelling and type in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import streamlit as st

if TYPE_CHECKING:
    from core.access.roles import Account
    from core.batches.preview import Preview
    from core.batches.quest_change import QuestChange
    from core.upload.user_list import Upload

T = TypeVar("T")


class Slot(Generic[T]):
    """One session-state entry of a known type."""

    def __init__(self, key: str) -> None:
        self.key = key

    def get(self) -> T | None:
        """Return the value, or None when the entry is not set."""
        return st.session_state.get(self.key)

    def set(self, value: T) -> None:
        """Set the value."""
        st.session_state[self.key] = value

    def pop(self) -> T | None:
        """Remove the entry; return what it held (None when it was not set)."""
        return st.session_state.pop(self.key, None)

    def is_set(self) -> bool:
        """Tell whether the entry is set."""
        return self.key in st.session_state


class Family(Generic[T]):
    """A family of entries of one type, one per batch id or widget key (`template` with `{}`)."""

    def __init__(self, template: str) -> None:
        self.template = template

    def __getitem__(self, which: int | str) -> Slot[T]:
        return Slot(self.template.format(which))


# The account this run checked, with the run it was checked in (pages/ui/session.py `account`).
RUN_ACCOUNT: Slot[tuple[object, Account]] = Slot("run_account")
# The router's pages for this run's role, by name (pages/ui/shell.py `pages_for`).
PAGES: Slot[dict[str, st.Page]] = Slot("pages")
# A confirmation to show at the top of the next screens, and until when (time.monotonic()).
FLASH: Slot[tuple[str, float]] = Slot("flash")

# The batch list (pages/screens/batch_list.py).
FILTER_PROBLEM: Slot[str] = Slot("filter_problem")  # a filter refused by a callback, in words
OPEN_BATCH: Slot[int] = Slot("open_batch")  # the row whose Edit was pressed
LIST_POLL: Slot[float] = Slot("list_poll")  # the table's refresh period while a batch runs

# The batch page (pages/screens/batch_detail.py).
DETAIL_POLL: Family[float] = Family("detail_poll_{}")
DETAIL_SEEN_RUNNING: Family[bool] = Family("detail_seen_running_{}")

# The new batch page (pages/screens/new_batch.py) and its add tools (pages/ui/add_users.py).
NEW_BATCH_QUEST: Slot[int] = Slot("new_batch_quest")  # the quest picked before a draft exists
DRAFT_SHOWN: Family[int] = Family("draft_shown_{}")  # the draft version this tab last drew
DRAFT_RESET: Family[bool] = Family("draft_reset_{}")  # the Name field shows the stored name
# A refusal of a stale write: its text, the version it was drawn again at, until when.
DRAFT_REFUSAL: Family[tuple[str, int, float]] = Family("draft_refusal_{}")
PUBLISH_ASK: Family[tuple[int, str]] = Family("publish_ask_{}")  # version, name as typed
QUEST_CHANGE: Family[QuestChange] = Family("quest_change_{}")  # waits for its confirmation

# The add tools of a batch (pages/ui/add_users.py), by the tools' key.
NOT_ADDED: Family[tuple[str, int, bytes]] = Family("{}_not_added")  # file name, rows, their CSV
SINGLE_MESSAGE: Family[str] = Family("{}_single_msg")  # a refused single add, in words
SINGLE_RERUN: Family[bool] = Family("{}_single_rerun")  # the whole page must be drawn again
SINGLE_LAST: Family[tuple[str, str, float]] = Family("{}_single_last")  # by, value, until
# The last file read and matched in the upload dialog: (file hash, name, batch id, version),
# its Upload and its Preview, so a rerun of the dialog neither reads nor matches it again.
UPLOAD_PREVIEW: Family[tuple[tuple[str, str, int, int], Upload, Preview]] = Family(
    "{}_upload_preview"
)

# Shared widgets (pages/ui/widgets.py, pages/ui/users_grid.py).
TREE_CHECKED: Family[set[int]] = Family("{}_checked")  # the Badge filter's quests, before Search
USERS_GRID_BUMP: Slot[int] = Slot("users_grid_bump")  # a new users grid after a no-sort click

# The Users page (pages/screens/users.py, pages/ui/user_filters.py, pages/ui/user_actions.py)
# and the user page (pages/screens/user.py).
USERS_FILTER_PROBLEM: Slot[str] = Slot("users_filter_problem")  # a filter refused, in words
USERS_GRID_KEY: Slot[int] = Slot("users_list_grid_bump")  # a new grid after a no-sort click
# "Add to batch" asked: the filter (as its URL query) the dialog adds, until it is closed.
USERS_ADD_ASK: Slot[str] = Slot("users_add_ask")
# How many users the asked filter matched when the dialog opened: (its query, the count), so
# typing a name or picking a quest does not count them again (core counts again as it adds).
USERS_ADD_COUNT: Slot[tuple[str, int]] = Slot("users_add_count")
USERS_ADD_QUEST: Slot[int] = Slot("users_add_quest")  # the new draft's quest, once picked
# Core's refusal over the limit, kept for the dialog's "Split into N drafts": (message, drafts,
# whether a split is offered).
USERS_ADD_REFUSAL: Slot[tuple[str, int, bool]] = Slot("users_add_refusal")
# What the dialog did: core's report(s), each with the batch it went into (id, name).
USERS_ADD_DONE: Slot[list[tuple[int, str, str]]] = Slot("users_add_done")
