"""The "Revoke" dialog of a finished batch: whose unlocks (all its users, those ticked in the users
list, one User ID or Username, or a file in the template's format), a reason, core's preview of
what happens to each of them and its question, then "Revoke" on the version the page showed."""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st

from core import words
from core.batches import expected_state
from core.batches.read_model import Batch
from core.errors import BatchUnlockError
from core.publishing import revoking
from core.upload import intake, limits
from core.upload.user_list import Upload
from pages.ui import formatting, session, undo_actions, widgets
from pages.ui.state import Family

ALL, PICKED, ONE, FILE = "all", "picked", "one", "file"
# Who hears about each category, in the order the preview shows them.
COUNT_WORDS = {
    "revoke": "Will be revoked",
    "kept_from_other_batch": "Keep it from another batch",
    "not_unlocked_by_this_batch": "Not unlocked by this batch",
    "not_in_batch": "Not in this batch",
}
TARGET_WORDS = {
    ALL: "All users of the batch",
    PICKED: "Users ticked in the list",
    ONE: "One user",
    FILE: "Users in a file",
}
LOOKUP = "User ID or Username"
MAX_REASON = 500  # core refuses more; the field stops there too

# The file read for a batch's revoke dialog: (its hash, its name) and its rows, so a rerun of
# the dialog (typing the reason) does not read it again.
REVOKE_FILE: Family[tuple[tuple[str, str], Upload]] = Family("revoke_file_{}")
# Core's previews in a batch's open dialog, by what each was computed for: (batch id, version,
# the target as kind + ids / lookup text / file digest). For a lookup or a file a preview costs
# an index sync and matching up to 10,000 rows, so typing the reason or switching back to a
# target must not compute it again; "Revoke" still has core check it all on the version shown.
REVOKE_PREVIEW: Family[dict[tuple[object, ...], revoking.RevokePreview]] = Family(
    "revoke_preview_{}"
)


def open_if_asked(batch: Batch) -> None:
    """Open the dialog when "Revoke" asked for it (every full run while it waits, so it stays)."""
    asked = undo_actions.UNDO_ASK[batch.id].get()
    if asked is not None and asked[0] == undo_actions.REVOKE:
        _dialog(batch, asked[1], asked[2])


def _close(batch_id: int) -> None:
    undo_actions.UNDO_ASK[batch_id].pop()
    REVOKE_FILE[batch_id].pop()
    REVOKE_PREVIEW[batch_id].pop()


def _dialog(batch: Batch, version: int, picked: tuple[int, ...]) -> None:
    @session.dialog(
        f"{words.REVOKE} unlocks of this batch?",
        width="large",
        on_dismiss=session.callback(lambda: _close(batch.id)),
    )
    def ask() -> None:
        key = f"revoke_{batch.id}"
        kinds = [ALL, PICKED, ONE, FILE] if picked else [ALL, ONE, FILE]
        kind = st.radio(
            "Revoke for",
            kinds,
            index=1 if picked else 0,
            format_func=lambda k: TARGET_WORDS[k] + (f" ({len(picked):,})" if k == PICKED else ""),
            horizontal=True,
            key=f"{key}_target",
        )
        if not picked:
            st.caption(
                f"To revoke some users of the list only, switch on “{undo_actions.TICK_TO_REVOKE}” "
                "above it and tick them first."
            )
        named = _target(batch.id, kind, picked, key)
        reason = st.text_area(
            words.REVOKE_REASON,
            max_chars=MAX_REASON,
            key=f"{key}_reason",
            placeholder="Why (required): kept with each user and in the history",
            height=80,
        )
        if named is None:
            return
        target, which = named
        viewer, c = session.account(), session.unit_of_work()
        try:
            preview = _preview(batch, target, which)
        except BatchUnlockError as exc:
            undo_actions.show_refusal(exc)
            return
        _show_preview(preview)
        yes, no = st.columns(2)
        if yes.button(
            words.REVOKE,
            type="primary",
            icon=":material/remove_done:",
            key=f"{key}_yes",
            disabled=not preview.user_ids,
            width="stretch",
        ):
            try:
                outcome = revoking.revoke(c, viewer, batch.id, target, reason, expected=version)
            except expected_state.Stale as exc:
                REVOKE_FILE[batch.id].pop()
                REVOKE_PREVIEW[batch.id].pop()
                undo_actions.refuse_on_page(batch.id, exc)
            except BatchUnlockError as exc:
                undo_actions.show_refusal(exc)
                return
            _close(batch.id)
            session.wake_publisher()
            session.flash(outcome.message)
            st.rerun()
        if no.button("Back", key=f"{key}_no", width="stretch"):
            _close(batch.id)
            st.rerun()

    ask()


def _preview(
    batch: Batch, target: revoking.RevokeTarget, which: tuple[object, ...]
) -> revoking.RevokePreview:
    """Core's preview of the target, computed once per batch version and target."""
    ident = (batch.id, batch.version, *which)
    kept = REVOKE_PREVIEW[batch.id].get() or {}
    if ident not in kept:
        c, viewer = session.unit_of_work(), session.account()
        kept = {**kept, ident: revoking.preview_revoke(c, viewer, batch.id, target)}
        REVOKE_PREVIEW[batch.id].set(kept)
    return kept[ident]


def _target(
    batch_id: int, kind: str, picked: tuple[int, ...], key: str
) -> tuple[revoking.RevokeTarget, tuple[object, ...]] | None:
    """The users the dialog names, as core's target and what identifies it (kind, then ids,
    lookup text or file digest); None until one user or a file is given."""
    if kind == ALL:
        return revoking.RevokeTarget(all_users=True), (ALL,)
    if kind == PICKED:
        return revoking.RevokeTarget(user_ids=picked), (PICKED, picked)
    if kind == ONE:
        typed = st.text_input(LOOKUP, key=f"{key}_lookup", placeholder="e.g. 1042 or ana.lopez")
        lookup = typed.strip()
        return (revoking.RevokeTarget(lookup=lookup), (ONE, lookup)) if lookup else None
    read = _file(batch_id, key)
    return (revoking.RevokeTarget(upload=read[1]), (FILE, *read[0])) if read is not None else None


def _file(batch_id: int, key: str) -> tuple[tuple[str, str], Upload] | None:
    """A file of users in the template's format, read as the upload of New Batch reads one, with
    its (digest, name)."""
    widgets.template_download(key=f"{key}_template")
    file = st.file_uploader(
        "Drop a .csv or .xlsx file here, or click to choose one",
        type=["csv", "txt", "xlsx"],
        key=f"{key}_file",
        max_upload_size=limits.MAX_FILE_BYTES // (1024 * 1024),
    )
    if file is None:
        REVOKE_FILE[batch_id].pop()
        return None
    data = file.getvalue()
    ident = (hashlib.sha256(data).hexdigest(), file.name)
    kept = REVOKE_FILE[batch_id].get()
    if kept is not None and kept[0] == ident:
        return kept
    try:
        upload = intake.read_upload(data, file.name)
    except BatchUnlockError as exc:
        undo_actions.show_refusal(exc)
        return None
    REVOKE_FILE[batch_id].set((ident, upload))
    return ident, upload


def _show_preview(preview: revoking.RevokePreview) -> None:
    """The counts per category, the rows that will not be revoked and why, and the question."""
    for col, (code, word) in zip(st.columns(len(COUNT_WORDS)), COUNT_WORDS.items(), strict=True):
        col.metric(word, f"{preview.counts.get(code, 0):,}")
    # A merged repeat of a revoked user's row is not revoked a second time: say so too.
    others = preview.details.filter(
        (pl.col("category") != "revoke") | (pl.col("message") == words.MSG_DUPLICATE)
    )
    if others.height:
        st.caption("Not revoked, and why:")
        st.dataframe(
            others.select(
                pl.col("row").cast(pl.String).alias("Row"),
                pl.col("user_id").cast(pl.String).alias(words.USER_ID),
                pl.col("username").cast(pl.String).alias(words.USERNAME),
                pl.col("message").cast(pl.String).alias("Why"),
            ),
            hide_index=True,
            width="stretch",
            placeholder="",
            height=min(36 * (others.height + 1) + 3, 248),
        )
    # Core's sentence names the quest and how many; shown exactly as written.
    st.markdown(f"**{formatting.literal(preview.question)}**")
