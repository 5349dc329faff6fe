"""The Users page's table: one data grid whose headers sort the whole list (as the batch list's,
pages/ui/batch_grid.py), with an "Open" button on every row that leads to the user's page."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from core import words
from core.segments.user_filter import USER_SORT_LABELS, UserFilter
from pages.ui import session
from pages.ui.batch_grid import GridColumn
from pages.ui.state import USERS_GRID_KEY

COLUMNS = (
    GridColumn("id", words.USER_ID, 90, "id"),
    GridColumn("username", words.USERNAME, 150, "username"),
    GridColumn("email", words.COL_EMAIL, 200, "email"),
    GridColumn("active", words.ACTIVE, 90, None),
    GridColumn("registered_at", words.REGISTERED_AT, 120, "registered_at"),
    GridColumn("last_active_at", words.LAST_ACTIVE_AT, 120, "last_active_at"),
    GridColumn("quests_held", words.QUESTS_HELD, 90, "quests_held"),
    # Only while the list is filtered on a batch: the user's status there, and its error.
    GridColumn("batch_status", words.IN_BATCH_STATUS, 120, None),
    GridColumn("batch_error", words.REASON, 160, None),
    GridColumn("open", "", 60, None),
)
BATCH_FIELDS = ("batch_status", "batch_error")
ROW_HEIGHT = 35
OPEN_CLICK_KEY = "user_grid_open"


def _local(column: pl.Series, tz: str) -> pl.Series:
    """Times of a frame (UTC) as the viewer's local day and time; no time: an empty cell."""
    return column.dt.convert_time_zone(tz).dt.strftime("%Y-%m-%d %H:%M")


def grid_frame(rows: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Return the grid's rows from a page of core.segments.segment.find_users."""
    return pl.DataFrame(
        {
            # As text: an ID is a name, not a quantity (the grid drew some as 112.9999999999).
            "id": rows["id"].cast(pl.String),
            "username": rows["username"],
            "email": rows["email"],
            "active": [words.ACTIVE if a else words.DEACTIVATED for a in rows["active"]],
            "registered_at": _local(rows["registered_at"], tz),
            "last_active_at": _local(rows["last_active_at"], tz),
            "quests_held": rows["quests_held"],
            "batch_status": rows["batch_status"].replace_strict(
                words.USER_STATUS, default=rows["batch_status"], return_dtype=pl.String
            ),
            "batch_error": rows["batch_error"],
            "open": [words.VIEW] * rows.height,
        },
        schema_overrides={
            "username": pl.String,
            "email": pl.String,
            "registered_at": pl.String,
            "last_active_at": pl.String,
            "batch_status": pl.String,
            "batch_error": pl.String,
            "quests_held": pl.Int64,
        },
    )


def header(column: GridColumn, flt: UserFilter) -> str:
    """Return a column's header, with an arrow on the column the list is sorted by."""
    if column.sorts is None or column.sorts != flt.sort:
        return column.header
    return f"{column.header} {'▼' if flt.desc else '▲'}"


def user_grid(
    rows: pl.DataFrame,
    flt: UserFilter,
    tz: str,
    on_sort: Callable[[str], None],
    on_open: Callable[[int], None],
) -> None:
    """Draw a page of users; a header click sorts the whole list, an "Open" click opens a user."""
    ids = rows["id"].to_list()
    shown = [c for c in COLUMNS if flt.in_batch is not None or c.field not in BATCH_FIELDS]
    # One key per sort (as the batch list's grid): the grid showing the new order starts with
    # nothing selected, so the next header click is a new selection the browser reports.
    key = f"user_grid_{flt.sort}_{int(bool(flt.desc))}_{USERS_GRID_KEY.get() or 0}"

    @session.callback
    def header_clicked() -> None:
        picked = st.session_state[key]["selection"]["columns"]
        column = {c.field: c.sorts for c in COLUMNS}.get(picked[0]) if picked else None
        if column:
            on_sort(column)
        elif picked:  # a header that sorts nothing: a new grid, so it does not stay selected
            USERS_GRID_KEY.set((USERS_GRID_KEY.get() or 0) + 1)

    @session.callback
    def open_clicked() -> None:
        on_open(int(ids[st.session_state[OPEN_CLICK_KEY]["row"]]))

    config: dict[str, object] = {}
    for column in shown:
        hint = (
            words.SORT_WHOLE_LIST_BY.format(column=USER_SORT_LABELS[column.sorts])
            if column.sorts
            else None
        )
        title = header(column, flt)
        if column.field == "quests_held":
            config[column.field] = st.column_config.NumberColumn(
                title, width=column.width, help=hint, format="localized"
            )
        elif column.field == "open":
            config[column.field] = st.column_config.ButtonColumn(
                title,
                width=column.width,
                type="tertiary",
                alignment="right",
                on_click=open_clicked,
                key=OPEN_CLICK_KEY,
            )
        else:
            config[column.field] = st.column_config.TextColumn(title, width=column.width, help=hint)
    st.dataframe(
        grid_frame(rows, tz).select([c.field for c in shown]),  # only what is shown is sent
        key=key,
        on_select=header_clicked,
        selection_mode="single-column",
        hide_index=True,
        column_config=config,
        column_order=[c.field for c in shown],
        height=ROW_HEIGHT * (len(ids) + 1) + 3,  # every row of the page, no inner scrollbar
        width="stretch",
        placeholder="",  # never active, no batch error: an empty cell, not "None"
    )
