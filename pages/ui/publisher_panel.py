"""The list page's "Publisher" box: is the publisher running, paused or stalled, and its rate;
an admin pauses or resumes the whole publisher here (an operator's brake), asked first."""

from __future__ import annotations

import streamlit as st

from core import words
from core.access.roles import Account, Permission
from core.publishing import publish_rate, publisher_pause
from core.store.ports import UnitOfWork
from pages.ui import formatting, publisher_stall, session
from pages.ui.state import Slot

# "pause" or "resume": the admin's click, waiting for its confirmation in the box.
PUBLISHER_ASK: Slot[str] = Slot("publisher_ask")
QUESTIONS = {
    "pause": "Pause the publisher? No batch is published or revoked, by this app or any other "
    "worker, until an admin resumes it; batches keep their places in the queue.",
    "resume": "Resume the publisher? It takes the queued batches again, in their order.",
}


def show(uow: UnitOfWork, acct: Account) -> None:
    """Draw the box; only an admin gets the fields that change the rate or pause the publisher."""
    with st.expander("Publisher"):
        worker = session.publisher_status()
        rate = publish_rate.get_rate(uow)
        paused = publisher_pause.publisher_pause(uow)
        st.caption(
            ("Running in the app" if worker and worker.running else "Not running in this app")
            + (f" · {worker.processed:,} unlocks since start" if worker else "")
        )
        if paused is not None:
            st.warning(
                f"Paused by {formatting.literal(paused.by)} · "
                f"{formatting.when(formatting.local(paused.at))}: no batch moves until resumed.",
                icon=":material/pause_circle:",
            )
        publisher_stall.show_stall()
        if acct.can(Permission.PAUSE_PUBLISHER):
            _pause_or_resume(uow, paused is not None)
        if not acct.can(Permission.SET_PUBLISH_RATE):
            # The throttle protects the platform for everyone: only admins change it.
            st.caption(
                "Publishing rate: "
                + ("unlimited" if rate is None else f"{rate:g} unlocks per second")
                + " · only an admin can change it."
            )
        else:
            new_rate = st.number_input(
                "Unlocks per second (0 = unlimited)",
                min_value=0,
                value=int(rate or 0),
                step=50,
                help="A throttle that protects the platform; the publisher follows it at once.",
            )
            if st.button("Save rate") and session.attempt(
                lambda: publish_rate.set_rate(uow, session.account(), new_rate) or True
            ):
                st.toast("Publishing rate saved.")


def _pause_or_resume(uow: UnitOfWork, paused: bool) -> None:
    """The admin's "Pause the publisher" or "Resume the publisher", then its confirmation."""
    action = "resume" if paused else "pause"
    asked = PUBLISHER_ASK.get()
    if asked != action:  # nothing asked, or asked before the other admin's change: ask anew
        PUBLISHER_ASK.pop()
        label = words.RESUME_PUBLISHER if paused else words.PAUSE_PUBLISHER
        icon = ":material/play_arrow:" if paused else ":material/pause:"
        if st.button(label, icon=icon, key="publisher_pause_ask"):
            PUBLISHER_ASK.set(action)
            st.rerun()
        return
    st.markdown(f"**{QUESTIONS[action]}**")
    yes, no, _ = st.columns([1, 1, 2])
    label = words.RESUME_PUBLISHER if paused else words.PAUSE_PUBLISHER
    if yes.button(label, type="primary", key="publisher_pause_yes", width="stretch"):
        PUBLISHER_ASK.pop()
        call = publisher_pause.resume_publisher if paused else publisher_pause.pause_publisher
        said = session.attempt(lambda: call(uow, session.account()))
        if said is not None:
            if paused:
                session.wake_publisher()
            session.flash(said)
            st.rerun()
    if no.button("Back", key="publisher_pause_no", width="stretch"):
        PUBLISHER_ASK.pop()
        st.rerun()
