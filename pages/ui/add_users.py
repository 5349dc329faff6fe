"""The two ways to add users, shared by the New Batch page and the batch detail page:
"Multiple" (the upload dialog with its preview) and "Single" (User ID, username or email)."""

from __future__ import annotations

import hashlib
import time

import polars as pl
import streamlit as st

from core import words
from core.batches import add_file, add_one, expected_state, matching, row_status, rules
from core.batches.preview import Preview
from core.batches.read_model import Batch
from core.batches.suggestions import suggest_usernames
from core.errors import BatchUnlockError
from core.store.ports import UnitOfWork
from core.upload import intake, limits
from core.upload.user_list import Upload
from pages.ui import formatting, session, widgets
from pages.ui.state import (
    DRAFT_SHOWN,
    NOT_ADDED,
    SINGLE_LAST,
    SINGLE_MESSAGE,
    SINGLE_RERUN,
    UPLOAD_PREVIEW,
)

FIND_BY = {
    words.USER_ID: add_one.BY_ID,
    words.USERNAME: add_one.BY_USERNAME,
    words.COL_EMAIL: add_one.BY_EMAIL,
}
PLACEHOLDERS = {
    add_one.BY_ID: "Digits only, e.g. 1042",
    add_one.BY_USERNAME: "Start typing a username",
    add_one.BY_EMAIL: "e.g. name@example.com",
}
DOWNLOAD_NOT_ADDED = "Download the rows not added"

# Enter in a Single field clicks its "Add" button, as the field's "Press Enter" hint suggests.
# Streamlit tells Python nothing about Enter (a live field has committed its text already), so a
# page-wide key listener does it, after Streamlit's own handler has committed what was typed.
# Fields and buttons are found by their keys' classes: st-key-<prefix>_value_<by>, -<prefix>_add.
_ENTER_ADDS_JS = """
export default function () {
  if (window.__batchUnlockEnterAdds) return;
  window.__batchUnlockEnterAdds = true;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing || event.shiftKey || event.altKey
        || event.ctrlKey || event.metaKey || !(event.target instanceof HTMLInputElement)) return;
    const field = event.target.closest("[class*='_value_']");
    const match = field && /(?:^|\\s)st-key-(\\S+)_value_(?:id|username|email)(?:\\s|$)/
      .exec(field.className);
    if (!match) return;
    setTimeout(() => {
      const button = document.querySelector(`.st-key-${match[1]}_add button`);
      if (button && !button.disabled) button.click();
    }, 0);
  });
}
"""
_enter_adds = st.components.v2.component("batch_unlock_enter_adds", js=_ENTER_ADDS_JS)


def note_own_write(batch: Batch) -> None:
    """Count this tab's write on the version it drew as seen: a write adds exactly one version,
    so the next run does not take it for another tab's change."""
    DRAFT_SHOWN[batch.id].set(batch.version + 1)


def tools(uow: UnitOfWork, batch: Batch, key: str) -> None:
    """Show "Upload type" with "Multiple" and "Single", and what each one needs.

    A fragment: choosing the type or opening the upload window reruns these tools only, not
    the whole page (its users list included).
    """
    _tools(uow, batch, key)


@session.fragment
def _tools(uow: UnitOfWork, batch: Batch, key: str) -> None:
    kind = st.radio(
        words.UPLOAD_TYPE, [words.MULTIPLE, words.SINGLE], horizontal=True, key=f"{key}_type"
    )
    if kind == words.MULTIPLE:
        st.caption(
            "Upload a .csv (or .xlsx) file with at least one of the columns ID, Username or "
            f"Registered email; up to {rules.MAX_USERS_PER_BATCH:,} users per batch."
        )
        if st.button(words.UPLOAD, key=f"{key}_upload", icon=":material/upload:"):
            upload_dialog(uow, batch, key)
        not_added_download(key)
    else:
        single(uow, batch, key)


@session.dialog(words.UPLOAD, width="large")
def upload_dialog(uow: UnitOfWork, batch: Batch, key: str) -> None:
    """The upload window: the template, a drop zone, then the preview and its "Upload" button."""
    widgets.template_download()
    file = st.file_uploader(
        "Drop a .csv or .xlsx file here, or click to choose one",
        type=["csv", "txt", "xlsx"],
        key=f"{key}_file",
        max_upload_size=limits.MAX_FILE_BYTES // (1024 * 1024),  # the server's cap says the same
    )
    if file is None:
        UPLOAD_PREVIEW[key].pop()  # the file was taken away: nothing kept for it
        return
    try:
        with st.spinner("Reading the file and matching its users…"):
            upload, preview = read_and_match(uow, batch, key, file.getvalue(), file.name)
    except BatchUnlockError as exc:
        st.error(formatting.literal(exc))
        return
    refusal, confirm_key = None, f"{key}_confirm"  # the window's "Upload" button
    if st.session_state.get(confirm_key):
        # "Upload" was clicked: add before drawing anything, so a success closes the window
        # without sending the preview again; a refusal shows under the preview, as before.
        try:
            # expected: the version this dialog was opened on, so a stale tab adds nothing.
            # The write matches the file again in its transaction: what is added holds now.
            result = add_file.add_upload(
                uow, session.account(), batch.id, upload, expected=batch.version
            )
        except BatchUnlockError as exc:
            refusal = formatting.literal(exc)
        else:
            UPLOAD_PREVIEW[key].pop()
            session.flash(closing_message(result, key))
            session.wake_publisher()  # a published batch was queued again
            if result.changed:  # an upload that added nobody left the version as it was
                note_own_write(batch)
            st.rerun()
    show_preview(preview, key)
    if preview.over_limit:
        st.error(formatting.literal(preview.limit_message))
    can_upload = preview.users_to_add > 0 and not preview.over_limit
    st.button(words.UPLOAD, type="primary", key=confirm_key, disabled=not can_upload)
    if refusal is not None:
        st.error(refusal)


def read_and_match(
    uow: UnitOfWork, batch: Batch, key: str, data: bytes, filename: str
) -> tuple[Upload, Preview]:
    """Read an uploaded file and match it for the batch, once per file and batch version.

    The dialog reruns on every click inside it (the filter, a download): they reuse what was
    read and matched, kept in the session under `key`. Another file, another name or a change
    to the batch (its version) reads and matches again.
    """
    ident = (hashlib.sha256(data).hexdigest(), filename, batch.id, batch.version)
    kept = UPLOAD_PREVIEW[key].get()
    if kept is not None and kept[0] == ident:
        return kept[1], kept[2]
    upload = intake.read_upload(data, filename)
    preview = matching.preview(uow, upload, batch.quest_id, batch.id)
    UPLOAD_PREVIEW[key].set((ident, upload, preview))
    return upload, preview


def closing_message(result: add_file.AddResult, key: str) -> str:
    """Say what the upload did, and keep its rows not added for the page's download.

    The dialog (and its preview) is closed when this is read: the message points at the
    download the page shows under "Upload" instead.
    """
    to_fix = result.preview.rows_to_fix()
    if not to_fix.height:
        NOT_ADDED[key].pop()
        return result.message
    NOT_ADDED[key].set((result.preview.filename, to_fix.height, result.preview.error_rows_csv()))
    rows, them = ("row", "it") if to_fix.height == 1 else ("rows", "them")
    return (
        f"{result.message} To fix the {to_fix.height:,} {rows} not added, download {them} with "
        f"“{DOWNLOAD_NOT_ADDED}” on this page, then upload that file again."
    )


def not_added_download(key: str) -> None:
    """Offer the rows the last upload (with this key) did not add, as a file to fix and upload
    again; nothing when it added every row."""
    kept = NOT_ADDED[key].get()
    if not kept:
        return
    filename, n, data = kept
    st.download_button(
        f"{DOWNLOAD_NOT_ADDED} ({n:,} from “{formatting.literal(filename)}”)",
        data=data,
        file_name="rows_not_added.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{key}_not_added_file",
        help="The template's columns plus a Reason (merged duplicates are left out: their user "
        "was added): fix the rows, then upload the file again.",
    )


def show_preview(preview: Preview, key: str) -> None:
    """Counts, filters, the rows with their row numbers and messages, and the error download."""
    good, bad = st.columns(2)
    good.metric("Rows expected to upload successfully", f"{preview.users_to_add:,}")
    merged = preview.counts.get(row_status.DUPLICATE, 0)
    # The spec counts merged duplicates among the anticipated errors, yet their user is added:
    # say so under the count, so the closing message's "rows not added" does not contradict it.
    bad.metric(
        "Rows expected to contain errors",
        f"{preview.n_errors:,}",
        delta=f"{words.count(merged, 'duplicated row')} merged and added" if merged else None,
        delta_color="off",
        delta_arrow="off",
    )
    if preview.ignored_columns:
        # The names come from the file's header: shown as written, never as markdown.
        st.caption(
            "Ignored columns: "
            + limits.names_text(preview.ignored_columns, show=formatting.literal)
        )
    options = [row_status.FILTER_ALL, row_status.OK] + [
        s for s in row_status.ERROR_STATUSES if preview.counts.get(s)
    ]

    def option_label(kind: str) -> str:
        n = preview.n_rows if kind == row_status.FILTER_ALL else preview.counts.get(kind, 0)
        return f"{row_status.FILTER_LABELS[kind]} ({n:,})"

    kind = (
        st.segmented_control(
            "Show",
            options,
            default=row_status.FILTER_ALL,
            format_func=option_label,
            key=f"{key}_filter",
        )
        or row_status.FILTER_ALL
    )
    rows = preview.filtered(kind).select(
        pl.col("row").alias("Row"),
        pl.col("id").alias(words.COL_ID),
        pl.col("username").alias(words.COL_USERNAME),
        pl.col("email").alias(words.COL_EMAIL),
        pl.col("message").alias("Message"),
    )
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        height=min(36 * (rows.height + 1) + 3, 320),
        placeholder="",  # a field the file left blank shows blank, not "None"
    )
    if preview.rows_to_fix().height:
        st.download_button(
            "Download the rows with errors",
            data=preview.error_rows_csv(),
            file_name="rows_with_errors.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"{key}_errors",
            help="The template's columns plus a Reason (merged duplicates are left out: their "
            "user is added): fix the rows, then upload the file again.",
        )


def single(uow: UnitOfWork, batch: Batch, key: str) -> None:
    """Find one user by User ID, username (with suggestions as you type) or email, and add them.

    "Add" (or Enter in the field) adds; the field then clears, and the confirmation shows at
    the top of the page. A refusal shows under the field and replaces that confirmation.
    """
    message, rerun, last_add = SINGLE_MESSAGE[key], SINGLE_RERUN[key], SINGLE_LAST[key]
    suggest_key = f"{key}_suggest"  # the pills of matching usernames

    @session.callback
    def add(by: str, value_key: str) -> None:
        # A callback: it runs before the fragment is drawn again, so the field can be cleared.
        value = (st.session_state.get(value_key) or "").strip()
        last = last_add.get()
        if last and time.monotonic() < last[2] and value.lower() in ("", last[1]) and by == last[0]:
            # Enter and then "Add" (or a double click) for the user just added: the banner
            # already says so; a second add would only be refused.
            return
        try:
            added = add_one.add_single(
                session.unit_of_work(),
                session.account(),  # the account as it is now, not as the page was drawn
                batch.id,
                by,
                value,
                expected=batch.version,  # as this page showed it: a stale tab adds nothing
            )
        except BatchUnlockError as exc:
            stale = isinstance(exc, expected_state.Stale)  # its time in the viewer's zone
            message.set(exc.message(formatting.viewer_tz()) if stale else str(exc))
            # The page's last confirmation is not about this: the whole page is drawn again
            # without it (a fragment run alone cannot take it away).
            rerun.set(session.clear_flash())
            last_add.pop()
        else:
            message.pop()
            session.flash(added.message)
            session.wake_publisher()
            st.session_state[value_key] = ""
            st.session_state.pop(suggest_key, None)
            last_add.set((by, value.lower(), time.monotonic() + 5))
            note_own_write(batch)
            rerun.set(True)  # the users list below must show the new user

    @session.fragment
    def form() -> None:
        find_by = st.radio(
            "Find the user by",
            list(FIND_BY),
            horizontal=True,
            key=f"{key}_by",
            label_visibility="collapsed",
        )
        by = FIND_BY[find_by]
        value_key = f"{key}_value_{by}"
        is_username = by == add_one.BY_USERNAME
        value = st.text_input(
            find_by,
            key=value_key,
            live="300ms" if is_username else False,
            placeholder=PLACEHOLDERS[by],
        )
        if is_username and value.strip():
            suggestions = suggest_usernames(uow, value)
            if suggestions and value.strip().lower() not in [s.lower() for s in suggestions[:1]]:

                @session.callback
                def pick(widget: str = suggest_key) -> None:
                    if st.session_state.get(widget):
                        st.session_state[value_key] = st.session_state[widget]

                st.pills(
                    "Matching usernames",
                    suggestions,
                    format_func=formatting.literal,  # pills render markdown; names are text
                    key=suggest_key,
                    on_change=pick,
                    label_visibility="collapsed",
                )
        refusal = message.pop()
        if refusal:
            st.error(formatting.literal(refusal))
        st.button(words.ADD, key=f"{key}_add", type="primary", on_click=add, args=(by, value_key))
        _enter_adds(key=f"{key}_enter", height=0)
        if rerun.pop():
            if refusal:
                message.set(refusal)  # shown again by the page's full run
            st.rerun()

    form()
