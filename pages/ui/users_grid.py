"""The batch page's users grid: a header click sorts the whole list (not only the page shown),
like the batch list's grid (pages/ui/batch_grid.py): a single-column selection turns into a
sort in the URL (`usort`, `udesc`), which core.batches.members applies in SQL before paging."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import polars as pl
import streamlit as st

from core import words
from pages.ui import formatting, session, text_width
from pages.ui.state import USERS_GRID_BUMP


@dataclass(frozen=True)
class UserColumn:
    """A column of the grid: its field, header, width (px) and the sort its header applies."""

    field: str
    header: str
    width: int
    sorts: (
        str | None
    )  # a core.batches.members.SORT_KEYS key, or None for a header that sorts nothing


COLUMNS = (
    # Narrow enough that a whole reason of ~60 characters and the View button still fit beside
    # them at 1280 px (a long email is cut; the whole one is in the export and on its page).
    UserColumn("user_id", words.USER_ID, 80, "user_id"),
    UserColumn("username", words.USERNAME, 140, "username"),
    UserColumn("email", "Email", 160, "email"),
    UserColumn("added_via", words.ADDED_VIA, 90, None),
    UserColumn("added_at", "Added at", 130, "added_at"),
    UserColumn("status", words.STATUS, 100, "status"),
    UserColumn("reason", "Reason", 120, None),  # widened to its longest reason
    # Who revoked the user's unlock and when (the reason is in Reason); only once revoked.
    UserColumn("revoked", words.REVOKED, 150, None),
    # The user's own page (/user?id=N), last so the columns above keep their places.
    UserColumn("open", "", 52, None),
)
OPEN_CLICK_KEY = "users_grid_open"
DEFAULT_SORT = "added_at"
# The columns of a batch none of whose users was ever revoked.
NEVER_REVOKED = tuple(c.field for c in COLUMNS if c.field != "revoked")


def sort_in(params: Mapping[str, str]) -> tuple[str, bool]:
    """Return the sort a URL asks for: (core.batches.members sort key, descending)."""
    return params.get("usort") or DEFAULT_SORT, params.get("udesc") == "1"


def grid_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """Return the grid's rows from a page of core.batches.members.list_members."""
    return pl.DataFrame(
        {
            # As text: an ID is a name, not a quantity (the grid drew some as 112.9999999999).
            "user_id": rows["user_id"].cast(pl.String),
            "username": rows["username"],
            "email": rows["email"],
            "added_via": rows["added_via"].replace_strict(
                words.ADDED_VIA_WORDS, default=rows["added_via"]
            ),
            "added_at": [formatting.when(formatting.local(t)) for t in rows["added_at"]],
            "status": rows["status"].replace_strict(words.USER_STATUS, default=rows["status"]),
            # An error's reason, or why the unlock was revoked (a user has one or the other).
            "reason": rows["error_reason"].fill_null(rows["revoke_reason"]),
            "open": [words.VIEW] * rows.height,
            "revoked": [
                revoked_text(by, at, kept)
                for by, at, kept in zip(
                    rows["revoked_by"], rows["revoked_at"], rows["kept_by_batch"], strict=True
                )
            ],
        },
        schema_overrides={
            "username": pl.String,
            "email": pl.String,
            "reason": pl.String,
            "revoked": pl.String,
        },
    )


def revoked_text(by: str | None, at: datetime | None, kept_by: int | None) -> str | None:
    """Who revoked a user and when ("by admin · 2026-12-01 10:42"); still asked: no time yet.

    A user who holds the quest from another batch too keeps it: the cell names that batch.
    """
    if by is None:
        return None
    text = f"by {by}" + (f" · {formatting.when(formatting.local(at))}" if at else "")
    return text + (f" · kept from batch {kept_by}" if kept_by is not None else "")


def widths(table: pl.DataFrame) -> dict[str, int]:
    """Return each column's width; Reason and Revoked as wide as their longest text (never cut)."""
    return {
        c.field: text_width.fitting_width(table[c.field], minimum=c.width)
        if c.field in ("reason", "revoked")
        else c.width
        for c in COLUMNS
    }


@session.callback
def _clicked(grid_key: str) -> None:
    """A header click: sort the whole list by it (the same header again: reversed)."""
    picked = st.session_state[grid_key]["selection"]["columns"]
    if not picked:  # rows picked (a grid that selects rows too): no sort asked
        return
    sort = {c.field: c.sorts for c in COLUMNS}.get(picked[0])
    if sort is None:  # a header that sorts nothing: a new grid, so it does not stay selected
        USERS_GRID_BUMP.set((USERS_GRID_BUMP.get() or 0) + 1)
        return
    current, desc = sort_in(st.query_params)
    st.query_params["usort"] = sort
    if current == sort and not desc:
        st.query_params["udesc"] = "1"
    else:
        st.query_params.pop("udesc", None)
    st.query_params.pop("upage", None)  # a new order starts at its first page


def users_grid(
    rows: pl.DataFrame,
    sort: str,
    desc: bool,
    *,
    fields: tuple[str, ...] | None = None,
    key: str = "users_grid",
    select_rows: bool = False,
) -> list[int]:
    """Draw a page of a batch's users, sorted as a whole by `sort`; an arrow marks that column.

    `fields` picks the columns shown (all by default). With `select_rows`, each row has a
    checkbox too; returns the positions (in `rows`) of the rows picked.
    """
    table = grid_frame(rows)
    sized = widths(table)
    # Every grid links its users to their page, whichever columns it shows.
    shown = [c for c in COLUMNS if fields is None or c.field in fields or c.field == "open"]
    user_ids = rows["user_id"].to_list()

    @session.callback
    def open_clicked() -> None:
        # A plain navigation, so Back returns to this batch with its sort and page.
        row = st.session_state[OPEN_CLICK_KEY]["row"]
        session.redirect(f"/user?id={int(user_ids[row])}")

    # One key per sort (as the list's grid): the grid showing the new order starts with nothing
    # selected, so the next header click is a new selection the browser reports.
    grid_key = f"{key}_{sort}_{int(desc)}_{USERS_GRID_BUMP.get() or 0}"
    arrow = " ▼" if desc else " ▲"
    config: dict[str, object] = {}
    for c in shown:
        title = c.header + (arrow if c.sorts == sort else "")
        hint = f"Click to sort the whole list by {c.header}" if c.sorts else None
        if c.field == "open":
            config[c.field] = st.column_config.ButtonColumn(
                "",
                width=c.width,
                type="tertiary",
                alignment="right",
                help="Open this user's page: every quest they hold and every batch they are in",
                on_click=open_clicked,
                key=OPEN_CLICK_KEY,
            )
            continue
        config[c.field] = st.column_config.TextColumn(title, width=sized[c.field], help=hint)
    picked = st.dataframe(
        table.select([c.field for c in shown]),  # only what is shown goes to the browser
        key=grid_key,
        on_select=lambda: _clicked(grid_key),
        selection_mode=["multi-row", "single-column"] if select_rows else "single-column",
        hide_index=True,
        width="stretch",
        placeholder="",  # no username (deleted user), no reason: an empty cell, not "None"
        column_config=config,
        column_order=[c.field for c in shown],
        height=min(36 * (table.height + 1) + 3, 560),
    )
    return list(picked.selection.rows) if select_rows and picked else []


def pager_and_total(pages: int, page: int, total: int) -> None:
    """Below a users grid: its pager (the page goes in the URL as `upage`), how many match."""
    if pages > 1:
        chosen = st.pagination(pages, default=page, key="users_pager")
        if chosen != page:
            st.query_params["upage"] = str(chosen)
            st.rerun()
    st.caption(
        f"{total:,} matching users · click a column header to sort the whole list (again: reversed)"
    )
