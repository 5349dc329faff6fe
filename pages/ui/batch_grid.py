"""The batch list's table: one data grid whose headers sort the whole list, with an Edit button
on every row.

One grid instead of a row of Streamlit columns per batch: each column element is a message to
the browser and a block to lay out (about 20 per row), which made a filter change take seconds
at 100,000 batches; the grid is one element whatever the page size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import streamlit as st

from core import words
from core.batches import rules
from core.history.terms import SORT_LABELS
from core.history.view import BatchFilter
from pages.ui import session


@dataclass(frozen=True)
class GridColumn:
    """A column of the grid: its field in the frame, header, width (px) and what it sorts."""

    field: str
    header: str
    width: int
    sorts: str | None  # the view's sort column a click on the header applies (the Users grid too)


COLUMNS = (
    # Smallest widths that still read well: they fit the list at 1,100 px (Status and Edit on
    # screen, no sideways scroll), and a wider screen shares its spare width between the columns.
    GridColumn("name", words.TITLE, 150, "name"),
    GridColumn("badge", words.BADGE, 90, "badge"),
    GridColumn("quest", words.QUEST, 110, "quest"),
    GridColumn("users", words.USERS, 60, "users"),
    GridColumn("created_at", words.CREATED_AT, 115, "created_at"),
    GridColumn("updated_at", words.LAST_UPDATED, 115, "updated_at"),
    GridColumn("created_by", words.CREATED_BY, 75, "created_by"),
    # The spec: "Status" is the rightmost column, with the "Edit" button to its right.
    GridColumn("progress", "Progress", 75, "status"),
    GridColumn("status", words.STATUS, 135, "status"),
    GridColumn("open", "", 50, None),
)
ROW_HEIGHT = 35  # the grid's default row and header height, in px
OPEN_CLICK_KEY = "batch_grid_open"


def grid_frame(rows: pl.DataFrame, editable: bool) -> pl.DataFrame:
    """Return the grid's rows from a page of core.history.screen.batch_table (times already local)."""
    return pl.DataFrame(
        {
            "name": rows["name"],
            "badge": rows["badge"].fill_null(""),
            "quest": rows["quest"].fill_null(""),
            "users": rows["users"],
            "created_at": rows["created_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "updated_at": rows["updated_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "created_by": rows["created_by"],
            "status": rows["status_text"],
            # A draft is not on its way anywhere yet: no bar.
            "progress": [
                None if s == rules.DRAFT else p
                for s, p in zip(rows["status"], rows["progress"], strict=True)
            ],
            "open": [words.EDIT if editable else words.VIEW] * rows.height,
        },
        schema_overrides={"progress": pl.Int64},
    )


def header(column: GridColumn, flt: BatchFilter) -> str:
    """Return a column's header, with an arrow on the column the list is sorted by."""
    if column.sorts is None or column.sorts != flt.sort or column.field == "progress":
        return column.header
    return f"{column.header} {'▼' if flt.desc else '▲'}"


def batch_grid(
    rows: pl.DataFrame,
    flt: BatchFilter,
    editable: bool,
    on_sort: Callable[[str], None],
    on_open: Callable[[int], None],
) -> None:
    """Draw a page of batches; a header click sorts the whole list, an Edit click opens one.

    `on_sort` gets the sort column of the clicked header: the page applies it to the view as it
    is at the click (the header arrow shows `flt`'s sort).
    """
    ids = rows["id"].to_list()
    # One key per sort: a header click (a column selection) sorts, and the grid that shows the
    # new order starts with nothing selected, so the next click is a new selection the browser
    # reports. Filters and pages keep the key, and the grid is updated in place (faster).
    key = f"batch_grid_{flt.sort}_{int(flt.desc)}"

    @session.callback
    def header_clicked() -> None:
        # Only a header that sorts nothing (Edit's) can stay selected and be unselected.
        picked = st.session_state[key]["selection"]["columns"]
        column = {c.field: c.sorts for c in COLUMNS}.get(picked[0]) if picked else None
        if column:
            on_sort(column)

    @session.callback
    def open_clicked() -> None:
        on_open(ids[st.session_state[OPEN_CLICK_KEY]["row"]])

    config: dict[str, object] = {}
    for column in COLUMNS:
        help_text = (
            f"Click to sort the whole list by {SORT_LABELS[column.sorts]}" if column.sorts else None
        )
        title = header(column, flt)
        if column.field == "users":
            config[column.field] = st.column_config.NumberColumn(
                title, width=column.width, help=help_text, format="localized"
            )
        elif column.field == "progress":
            config[column.field] = st.column_config.ProgressColumn(
                title, width=column.width, help=help_text, min_value=0, max_value=100, format="%d%%"
            )
        elif column.field == "open":
            config[column.field] = st.column_config.ButtonColumn(
                title,
                width=column.width,
                type="tertiary",
                on_click=open_clicked,
                key=OPEN_CLICK_KEY,
            )
        else:
            config[column.field] = st.column_config.TextColumn(
                title, width=column.width, help=help_text
            )
    st.dataframe(
        grid_frame(rows, editable),
        key=key,
        on_select=header_clicked,
        selection_mode="single-column",
        hide_index=True,
        column_config=config,
        column_order=[c.field for c in COLUMNS],
        height=ROW_HEIGHT * (len(ids) + 1) + 3,  # every row of the page, no inner scrollbar
        width="stretch",
        placeholder="",  # a draft's progress (none yet) shows blank, not "None"
    )
