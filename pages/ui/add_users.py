"""The two ways to add users, shared by the New Batch page and the batch detail page:
"Multiple" (the upload dialog with its preview) and "Single" (User ID or username)."""

from __future__ import annotations

import duckdb
import polars as pl
import streamlit as st

from core import batches, csv_safe, intake, labels, matching, upload_limits
from core.batches import Batch
from core.errors import BatchUnlockError
from pages.ui import formatting, session

ADDED_VIA = {"csv": "CSV upload", "single": "Single", "cli": "Command line", "demo": "CSV upload"}
FIND_BY = {labels.USER_ID: "id", labels.USERNAME: "username"}


def shown_key(batch_id: int | str) -> str:
    """The session key of the batch version this tab last drew (see pages/screens/new_batch.py)."""
    return f"draft_shown_{batch_id}"


def note_own_write(batch: Batch) -> None:
    """Count this tab's write on the version it drew as seen: a write adds exactly one version,
    so the next run does not take it for another tab's change."""
    st.session_state[shown_key(batch.id)] = batch.version + 1


def tools(cur: duckdb.DuckDBPyConnection, batch: Batch, key: str) -> None:
    """Show "Upload type" with "Multiple" and "Single", and what each one needs."""
    kind = st.radio(
        labels.UPLOAD_TYPE, [labels.MULTIPLE, labels.SINGLE], horizontal=True, key=f"{key}_type"
    )
    if kind == labels.MULTIPLE:
        st.caption(
            "Upload a .csv (or .xlsx) file with at least one of the columns ID, Username or "
            f"Registered email; up to {labels.MAX_USERS_PER_BATCH:,} users per batch."
        )
        if st.button(labels.UPLOAD, key=f"{key}_upload", icon=":material/upload:"):
            upload_dialog(cur, batch, key)
    else:
        single(cur, batch, key)


@session.dialog(labels.UPLOAD, width="large")
def upload_dialog(cur: duckdb.DuckDBPyConnection, batch: Batch, key: str) -> None:
    """The upload window: the template, a drop zone, then the preview and its "Upload" button."""
    st.download_button(
        labels.DOWNLOAD_THE_TEMPLATE,
        data=csv_safe.template_csv(),
        file_name="batch_unlock_template.csv",
        mime="text/csv",
        type="tertiary",
        icon=":material/description:",
        help="A semicolon-separated file: if your spreadsheet asks, choose “;” as separator.",
    )
    file = st.file_uploader(
        "Drop a .csv or .xlsx file here, or click to choose one",
        type=["csv", "txt", "xlsx"],
        key=f"{key}_file",
        max_upload_size=intake.MAX_FILE_BYTES // (1024 * 1024),  # the server's cap says the same
    )
    if file is None:
        return
    try:
        with st.spinner("Reading the file and matching its users…"):
            upload = intake.read_upload(file.getvalue(), file.name)
            preview = matching.preview(cur, upload, batch.quest_id, batch.id)
    except BatchUnlockError as exc:
        st.error(formatting.literal(exc))
        return
    show_preview(preview, key)
    if preview.over_limit:
        st.error(formatting.literal(preview.limit_message))
    can_upload = preview.users_to_add > 0 and not preview.over_limit
    if st.button(labels.UPLOAD, type="primary", key=f"{key}_confirm", disabled=not can_upload):
        try:
            # expected: the version this dialog was opened on, so a stale tab adds nothing.
            result = batches.add_upload(
                cur, session.account(), batch.id, upload, expected=batch.version
            )
        except BatchUnlockError as exc:
            st.error(formatting.literal(exc))
            return
        session.flash(result.message)
        session.wake_publisher()  # a published batch was queued again
        note_own_write(batch)
        st.rerun()


def show_preview(preview: matching.Preview, key: str) -> None:
    """Counts, filters, the rows with their row numbers and messages, and the error download."""
    good, bad = st.columns(2)
    good.metric("Rows expected to upload successfully", f"{preview.users_to_add:,}")
    bad.metric("Rows expected to contain errors", f"{preview.n_errors:,}")
    if preview.ignored_columns:
        # The names come from the file's header: shown as written, never as markdown.
        st.caption(
            "Ignored columns: "
            + upload_limits.names_text(preview.ignored_columns, show=formatting.literal)
        )
    options = [matching.FILTER_ALL, matching.OK] + [
        s for s in matching.ERROR_STATUSES if preview.counts.get(s)
    ]

    def option_label(kind: str) -> str:
        n = preview.n_rows if kind == matching.FILTER_ALL else preview.counts.get(kind, 0)
        return f"{matching.FILTER_LABELS[kind]} ({n:,})"

    kind = (
        st.segmented_control(
            "Show",
            options,
            default=matching.FILTER_ALL,
            format_func=option_label,
            key=f"{key}_filter",
        )
        or matching.FILTER_ALL
    )
    rows = preview.filtered(kind).select(
        pl.col("row").alias("Row"),
        pl.col("id").alias(labels.COL_ID),
        pl.col("username").alias(labels.COL_USERNAME),
        pl.col("email").alias(labels.COL_EMAIL),
        pl.col("message").alias("Message"),
    )
    st.dataframe(
        rows, hide_index=True, width="stretch", height=min(36 * (rows.height + 1) + 3, 320)
    )
    if preview.n_errors:
        st.download_button(
            "Download the rows with errors",
            data=preview.error_rows_csv(),
            file_name="rows_with_errors.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"{key}_errors",
            help="The template's columns plus a Reason: fix the rows, then upload the file again.",
        )


def single(cur: duckdb.DuckDBPyConnection, batch: Batch, key: str) -> None:
    """Find one user by User ID or username (with suggestions as you type) and add them."""

    @session.fragment
    def form() -> None:
        find_by = st.radio(
            "Find the user by",
            list(FIND_BY),
            horizontal=True,
            key=f"{key}_by",
            label_visibility="collapsed",
        )
        value_key = f"{key}_value_{FIND_BY[find_by]}"
        is_username = find_by == labels.USERNAME
        value = st.text_input(
            find_by,
            key=value_key,
            live="300ms" if is_username else False,
            placeholder="Start typing a username" if is_username else "Digits only, e.g. 1042",
        )
        if is_username and value.strip():
            suggestions = matching.suggest_usernames(cur, value)
            if suggestions and value.strip().lower() not in [s.lower() for s in suggestions[:1]]:

                @session.callback
                def pick(widget: str = f"{key}_suggest") -> None:
                    if st.session_state.get(widget):
                        st.session_state[value_key] = st.session_state[widget]

                st.pills(
                    "Matching usernames",
                    suggestions,
                    format_func=formatting.literal,  # pills render markdown; names are text
                    key=f"{key}_suggest",
                    on_change=pick,
                    label_visibility="collapsed",
                )
        message = st.session_state.pop(f"{key}_single_msg", None)
        if message:
            st.error(formatting.literal(message[1]))
        if st.button(labels.ADD, key=f"{key}_add", type="primary"):
            try:
                # The account as it is now: this fragment reruns without the shell's check.
                added = batches.add_single(
                    cur,
                    session.account(),
                    batch.id,
                    FIND_BY[find_by],
                    value,
                    expected=batch.version,  # as this page showed it: a stale tab adds nothing
                )
            except BatchUnlockError as exc:
                st.session_state[f"{key}_single_msg"] = ("error", str(exc))
                st.rerun(scope="fragment")
            else:
                session.flash(added.message)
                session.wake_publisher()
                st.session_state.pop(value_key, None)
                note_own_write(batch)
                st.rerun()  # the users list below must show the new user

    form()


def users_table(users: pl.DataFrame, with_status: bool) -> pl.DataFrame:
    """Shape batch users for display: the spec's words as column headers."""
    columns = [
        pl.col("user_id").alias(labels.USER_ID),
        pl.col("username").alias(labels.USERNAME),
        pl.col("email").alias("Email"),
        pl.col("added_via")
        .replace_strict(ADDED_VIA, default=pl.col("added_via"))
        .alias("Added by"),
    ]
    if with_status:
        columns += [
            pl.col("status")
            .replace_strict(labels.USER_STATUS, default=pl.col("status"))
            .alias(labels.STATUS),
            pl.col("error_reason").fill_null("").alias("Reason"),
        ]
    return users.select(columns)
