"""Small display helpers shared by screens: safe markdown, status colours, times."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from core import batch_state, labels

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")

STATUS_COLORS = {
    batch_state.DRAFT: "gray",
    batch_state.UNPUBLISHED: "blue",
    batch_state.IN_PROGRESS: "orange",
    batch_state.PUBLISHED: "green",
    batch_state.PARTIALLY_PUBLISHED: "red",
}
USER_STATUS_COLORS = {
    "unpublished": "blue",
    "in_progress": "orange",
    "published": "green",
    "error": "red",
}


def md(text: object) -> str:
    """Escape user text so markdown shows it literally (names are data, not formatting)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def viewer_tz() -> str:
    """Return the browser's time zone name (UTC when the browser did not say)."""
    tz = st.context.timezone
    return tz if isinstance(tz, str) and tz else "UTC"


def when(value: datetime | None) -> str:
    """Format an instant (already in the viewer's zone) for tables."""
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def status_badge(status: str, progress: int | None = None) -> None:
    """Show a batch status in the spec's words, coloured; "In Progress" with its percentage."""
    st.badge(batch_state.status_label(status, progress), color=STATUS_COLORS.get(status, "gray"))


def user_status_badge(status: str) -> None:
    """Show a batch user's status in the spec's words."""
    st.badge(labels.USER_STATUS.get(status, status), color=USER_STATUS_COLORS.get(status, "gray"))


def local(value: datetime | None) -> datetime | None:
    """Return an instant in the viewer's time zone."""
    return value.astimezone(ZoneInfo(viewer_tz())) if value else None
