"""A platform user (/user?id=N): who they are, the badge quests they hold (with the batch that
unlocked each and when), those revoked, and the batches they are in with their status there."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import words
from core.batches import rules
from core.errors import BatchUnlockError
from core.segments import segment, user_url
from pages.ui import back_links, formatting, session, text_width
from pages.ui.state import PAGES

acct = session.account()
uow = session.unit_of_work()
pages = PAGES.get()
tz = formatting.viewer_tz()
trail = [words.MANAGE, words.USERS_PAGE]
OPEN_BATCH_KEY = "user_page_open_batch"


def back_link() -> None:
    """The link back to the Users list, with the filters, sort and page it was opened from."""
    back_links.back_link(pages["users"], words.USERS_PAGE, user_url.back_params)


try:
    profile = segment.user_profile(uow, acct, st.query_params.get("id", "").strip(), tz)
except BatchUnlockError as exc:
    session.header(words.USER_PAGE, [*trail, words.USER_PAGE])
    st.error(formatting.literal(exc) if st.query_params.get("id") else words.NO_USER_ID_IN_LINK)
    st.caption(words.FIND_THE_USER.format(page=words.USERS_PAGE))
    back_link()
    st.stop()

user = profile.user
session.header(
    user.username or f"{words.USER_ID} {user.id}", [*trail, user.username or str(user.id)]
)
back_link()


def local(value: object) -> str:
    """An instant (UTC) as the viewer's local day and time; none: a dash."""
    return formatting.when(formatting.local(value)) if value else "—"


state = words.ACTIVE if user.active else words.DEACTIVATED
st.markdown(
    f"**{words.USER_ID}:** {user.id}  \n"
    f"**{words.COL_EMAIL}:** {formatting.literal(user.email or '—')}  \n"
    f"**{words.STATUS}:** {state}  \n"
    f"**{words.REGISTERED_AT}:** {local(user.registered_at)}  \n"
    f"**{words.LAST_ACTIVE_AT}:** {local(user.last_active_at)}"
)


def times(column: pl.Series) -> list[str]:
    """A column of instants as local text (empty when there is none)."""
    return [formatting.when(formatting.local(t)) if t else "" for t in column]


@session.callback
def open_batch(grid_key: str, batch_ids: list[int | None]) -> None:
    """An "Open" click in a table: a plain navigation to that batch (Back returns here)."""
    row = st.session_state[grid_key]["row"]
    if 0 <= row < len(batch_ids) and batch_ids[row] is not None:
        session.redirect(f"/batch?id={int(batch_ids[row])}")


def table(frame: pl.DataFrame, batch_ids: list[int | None], key: str) -> None:
    """One read-only grid, with an "Open" button per row that has a batch."""
    click_key = f"{key}_open"
    frame = frame.with_columns(
        pl.Series("open", [words.VIEW if b is not None else None for b in batch_ids], pl.String)
    )
    config: dict[str, object] = {
        c: st.column_config.TextColumn(c, width=text_width.fitting_width(frame[c], minimum=80))
        for c in frame.columns
        if c != "open" and frame.schema[c] == pl.String
    }
    config["open"] = st.column_config.ButtonColumn(
        "",
        width=60,
        type="tertiary",
        alignment="right",
        on_click=open_batch,
        args=(click_key, batch_ids),
        key=click_key,
    )
    st.dataframe(
        frame,
        key=key,
        hide_index=True,
        width="stretch",
        placeholder="",
        column_config=config,
        height=min(35 * (frame.height + 1) + 3, 560),
    )


def batch_cells(frame: pl.DataFrame, none: str = "") -> list[str]:
    """Each row's batch as "48 · Name" (`none` when the row came from no batch)."""
    return [
        f"{b} · {n}" if b is not None else none
        for b, n in zip(frame["batch_id"], frame["batch_name"], strict=True)
    ]


def text_frame(columns: dict[str, object]) -> pl.DataFrame:
    """The shown columns, every one as text (a column of nulls stays text, not nulls)."""
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


held = profile.held
st.subheader(f"{words.HELD_QUESTS} ({held.height:,})")
if held.height:
    held_rows = {
        words.BADGE: held["badge"],
        words.QUEST: held["quest"],
        words.BATCH_COLUMN: batch_cells(held, words.NOT_FROM_A_BATCH),
        words.UNLOCKED_AT: times(held["unlocked_at"]),
    }
    table(text_frame(held_rows), held["batch_id"].to_list(), "user_held")
else:
    st.caption(words.HOLDS_NO_QUEST)

revoked = profile.revoked
if revoked.height:
    st.subheader(f"{words.REVOKED_QUESTS} ({revoked.height:,})")
    revoked_rows = {
        words.BADGE: revoked["badge"],
        words.QUEST: revoked["quest"],
        words.BATCH_COLUMN: batch_cells(revoked),
        words.UNLOCKED_AT: times(revoked["unlocked_at"]),
        words.REVOKED_AT: times(revoked["revoked_at"]),
        words.REVOKED_BY: revoked["revoked_by"],
        words.REASON: revoked["reason"],
    }
    table(text_frame(revoked_rows), revoked["batch_id"].to_list(), "user_revoked")

batches = profile.batches
st.subheader(f"{words.USER_BATCHES} ({batches.height:,})")
if batches.height:
    batch_rows = {
        words.BATCH_COLUMN: batch_cells(batches),
        words.BADGE: batches["badge"],
        words.QUEST: batches["quest"],
        words.BATCH_STATUS_COLUMN: [
            rules.status_label(s, p, bool(z))
            for s, p, z in zip(
                batches["batch_status"], batches["progress"], batches["paused"], strict=True
            )
        ],
        words.STATUS_IN_THE_BATCH: batches["user_status"].replace_strict(
            words.USER_STATUS, default=batches["user_status"], return_dtype=pl.String
        ),
        words.REASON: batches["error_reason"].fill_null(batches["revoke_reason"]),
        words.ADDED_VIA: batches["added_via"].replace_strict(
            words.ADDED_VIA_WORDS, default=batches["added_via"], return_dtype=pl.String
        ),
        words.ADDED_AT: times(batches["added_at"]),
    }
    table(text_frame(batch_rows), batches["batch_id"].to_list(), "user_batches")
else:
    st.caption(words.IN_NO_BATCH)
