"""The warning a page shows while this process's publisher is stalled (e.g. the disk is full)."""

from __future__ import annotations

import streamlit as st

from pages.ui import formatting
from pages.web import runtime


def stall_message() -> str | None:
    """Return the plain sentence about a stalled publisher (since when, why), or None."""
    worker = runtime.worker()
    status = worker.status() if worker is not None else None
    if status is None or status.stalled_since is None:
        return None
    return status.stall_message(formatting.when(formatting.local(status.stalled_since)))


def show_stall() -> bool:
    """Show the stall warning if publishing is stalled; return whether it is."""
    message = stall_message()
    if message is None:
        return False
    # Our own words and a time: no user text, so nothing to escape.
    st.warning(message, icon=":material/pause_circle:")
    return True
