"""The batch page's way back: "Cancel publishing", "Pause"/"Resume" and "Revoke", with the status
and counters they change (paused, revoking, revoked).

Each button asks first: a click keeps what was asked and on which version of the batch (the one
the button was drawn from), and the next full run opens the confirmation, which says what will
happen in core's words and sends that version, so a tab that drew an older batch changes nothing.
"""

from __future__ import annotations

import time

import streamlit as st

from core import words
from core.access.roles import Account, Permission
from core.batches import expected_state, rules
from core.batches.read_model import Batch
from core.errors import BatchUnlockError, PermissionDenied
from core.publishing import publisher_pause, throttle, undo
from core.store.ports import UnitOfWork
from pages.ui import formatting, session
from pages.ui.state import Family

CANCEL, PAUSE, RESUME, REVOKE = "cancel", "pause", "resume", "revoke"
BUTTONS = {
    CANCEL: (words.CANCEL_PUBLISHING, ":material/undo:"),
    PAUSE: (words.PAUSE, ":material/pause:"),
    RESUME: (words.RESUME, ":material/play_arrow:"),
    REVOKE: (words.REVOKE, ":material/remove_done:"),
}
TITLES = {
    CANCEL: "Cancel publishing?",
    PAUSE: "Pause this batch?",
    RESUME: "Resume this batch?",
}
HELP = {
    CANCEL: "Take the batch out of the queue: it becomes a draft again, nothing was unlocked.",
    PAUSE: "The publisher finishes the chunk it is in, then takes no more users of this batch.",
    RESUME: "The publisher takes this batch's users again, in its place in the queue.",
    REVOKE: "Take back unlocks this batch made: for all its users, some, or a file of them.",
}
TICK_TO_REVOKE = "Tick users to revoke"

# What a button asked (action, the version it was drawn from, the users picked in the list),
# until the confirmation is answered or dismissed.
UNDO_ASK: Family[tuple[str, int, tuple[int, ...]]] = Family("undo_ask_{}")
# A refusal of a confirmed undo, shown on the page for a while (its text, until when).
UNDO_REFUSAL: Family[tuple[str, float]] = Family("undo_refusal_{}")
# The User IDs picked in the users list's checkboxes by the last full run.
USERS_PICKED: Family[tuple[int, ...]] = Family("users_picked_{}")


def may_undo(acct: Account) -> bool:
    """Tell whether the account gets the undo buttons (core checks again on every action)."""
    return acct.can(Permission.EDIT_BATCHES)


def offered(batch: Batch) -> list[str]:
    """The undo actions a batch offers in its state now."""
    if batch.status == rules.UNPUBLISHED:
        return [CANCEL]
    if batch.status in rules.PAUSABLE_STATUSES:
        return [RESUME if batch.is_paused else PAUSE]
    if batch.status in rules.REVOCABLE_STATUSES:
        return [REVOKE]
    return []


def status(uow: UnitOfWork, batch: Batch) -> None:
    """The status word ("· Paused" too) in its colour, who paused the batch, and its progress."""
    formatting.status_badge(batch.status, batch.progress, paused=batch.is_paused)
    if batch.is_paused:
        st.caption(
            f"Paused by {formatting.literal(batch.paused_by)} · "
            f"{formatting.when(formatting.local(batch.paused_at))}"
        )
    elif batch.status in rules.PAUSABLE_STATUSES:
        # Else a batch held by the operator's brake would look stalled.
        brake = publisher_pause.publisher_pause(uow)
        if brake is not None:
            st.caption(formatting.literal(brake.sentence()))
    if batch.status == rules.DRAFT:
        return
    percent = batch.progress
    done = "of the users asked revoked" if batch.status == rules.REVOKING else "of users processed"
    st.progress(percent / 100, text=f"{percent}% {done}")


def counters(batch: Batch) -> None:
    """Users per status; "Revoking" and "Revoked" only once a revoke was asked."""
    shown = [
        (words.UNPUBLISHED, batch.n_unpublished),
        (words.IN_PROGRESS, batch.n_in_progress),
        (words.PUBLISHED, batch.n_published),
        (words.ERROR, batch.n_error),
    ]
    if batch.n_revoking or batch.n_revoked:  # a batch never revoked keeps the spec's four
        shown += [(words.REVOKING, batch.n_revoking), (words.REVOKED, batch.n_revoked)]
    for col, (word, value) in zip(st.columns(len(shown)), shown, strict=True):
        col.metric(word, f"{value:,}")


def revoke_note(rate: float | None) -> str:
    """Say how users move while a revoke runs (publish_notes.chunk_note's words are for publishing)."""
    # Revoke chunks are sized and paced like publishing ones (the same worker, the same throttle).
    size = throttle.chunk_size_for(rate) if rate is not None else throttle.MAX_CHUNK
    return (
        f"Users go from “{words.REVOKING}” to “{words.REVOKED}” a chunk of up to {size:,} at a "
        f"time: each chunk is committed at once. Users who hold the quest from another batch too "
        f"keep it and still end “{words.REVOKED}” here. The batch's percentage shows how far the "
        "revoke has got."
    )


def refusal_text(exc: BatchUnlockError) -> str:
    """A core refusal in words for the page; a stale batch's time in the viewer's zone."""
    if isinstance(exc, expected_state.Stale):
        return formatting.literal(exc.message(formatting.viewer_tz()))
    return formatting.literal(exc)


def show_refusal(exc: BatchUnlockError, where: object = None) -> None:
    """Show a refusal as the error it is (a permission refusal with a lock)."""
    icon = ":material/lock:" if isinstance(exc, PermissionDenied) else None
    (where or st).error(refusal_text(exc), icon=icon)


def refuse_on_page(batch_id: int, exc: BatchUnlockError) -> None:
    """Close the confirmation and show its refusal on the page, drawn again as it is now."""
    UNDO_ASK[batch_id].pop()
    UNDO_REFUSAL[batch_id].set((refusal_text(exc), time.monotonic() + session.FLASH_SECONDS))
    st.rerun()


def ticking(batch: Batch, acct: Account) -> bool:
    """An editor's switch above a finished batch's users: a checkbox on each row, to revoke
    only the users ticked. Off, the list is as it always was (a header click sorts)."""
    if not (may_undo(acct) and batch.status in rules.REVOCABLE_STATUSES):
        return False
    return st.toggle(
        TICK_TO_REVOKE,
        key=f"tick_to_revoke_{batch.id}",
        help=f"A checkbox on each row: “{words.REVOKE}” then offers the users ticked.",
    )


def tick(batch_id: int, user_ids: list[int]) -> None:
    """Keep the users ticked in the list for "Revoke", and say how many are ticked."""
    USERS_PICKED[batch_id].set(tuple(user_ids))
    if user_ids:
        n = f"{len(user_ids):,} user" + ("" if len(user_ids) == 1 else "s")
        st.caption(f"{n} ticked: “{words.REVOKE}” can revoke only theirs.")


@session.callback
def _ask(batch_id: int, action: str, version: int) -> None:
    """A button was clicked: ask first, on the version it was drawn from."""
    UNDO_REFUSAL[batch_id].pop()
    UNDO_ASK[batch_id].set((action, version, USERS_PICKED[batch_id].get() or ()))
    st.rerun()  # a click in the live fragment: the whole page, which opens the confirmation


def buttons(batch: Batch) -> None:
    """Draw the batch's undo buttons (and a refusal still to be read), for editors only."""
    refused = UNDO_REFUSAL[batch.id].get()
    if refused is not None:
        if time.monotonic() < refused[1]:
            st.error(refused[0])
        else:
            UNDO_REFUSAL[batch.id].pop()
    actions = offered(batch)
    if not actions:
        return
    cols = st.columns(len(actions) + 3)
    for col, action in zip(cols, actions, strict=False):
        label, icon = BUTTONS[action]
        col.button(
            label,
            icon=icon,
            key=f"undo_{action}_{batch.id}",
            help=HELP[action],
            on_click=_ask,
            args=(batch.id, action, batch.version),
            width="stretch",
        )


def confirm(batch: Batch) -> None:
    """Open the confirmation a button asked for (every full run while it waits, so it stays);
    "Revoke" has its own dialog (pages/ui/revoke_dialog.py)."""
    asked = UNDO_ASK[batch.id].get()
    if asked is not None and asked[0] != REVOKE:
        _confirm(batch, asked[0], asked[1])


@session.callback
def dismissed(batch_id: int) -> None:
    """The confirmation was closed (Esc, ×, a click outside): nothing is done."""
    UNDO_ASK[batch_id].pop()


def _confirm(batch: Batch, action: str, version: int) -> None:
    @session.dialog(TITLES[action], on_dismiss=lambda: dismissed(batch.id))
    def ask() -> None:
        viewer, c = session.account(), session.unit_of_work()
        st.markdown(formatting.literal(undo.undo_question(batch, action)))
        yes, no = st.columns(2)
        label, icon = BUTTONS[action]
        if yes.button(
            label, icon=icon, type="primary", key=f"undo_yes_{batch.id}", width="stretch"
        ):
            call = {CANCEL: undo.cancel, PAUSE: undo.pause, RESUME: undo.resume}[action]
            try:
                outcome = call(c, viewer, batch.id, expected=version)
            except expected_state.Stale as exc:
                refuse_on_page(batch.id, exc)
            except BatchUnlockError as exc:
                show_refusal(exc)
                return
            UNDO_ASK[batch.id].pop()
            if action == RESUME:
                session.wake_publisher()
            session.flash(outcome.message)
            st.rerun()
        if no.button("Back", key=f"undo_no_{batch.id}", width="stretch"):
            UNDO_ASK[batch.id].pop()
            st.rerun()

    ask()
