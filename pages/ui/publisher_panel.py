"""The list page's "Publisher" box: is the publisher running, is it stalled, and its rate."""

from __future__ import annotations

import streamlit as st

from core.access.roles import Account, Permission
from core.publishing import publish_rate
from core.store.ports import UnitOfWork
from pages.ui import publisher_stall, session


def show(uow: UnitOfWork, acct: Account) -> None:
    """Draw the box; only an admin gets the field that changes the rate."""
    with st.expander("Publisher"):
        worker = session.publisher_status()
        rate = publish_rate.get_rate(uow)
        st.caption(
            ("Running in the app" if worker and worker.running else "Not running in this app")
            + (f" · {worker.processed:,} unlocks since start" if worker else "")
        )
        publisher_stall.show_stall()
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
