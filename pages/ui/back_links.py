"""A detail page opened from a list, and its link back to that list's view (filters, sort, page)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from core import words
from core.history.url import BACK_KEY


def detail_url(path: str, item_id: int, list_query: str) -> str:
    """The detail page's URL (/PATH?id=N), carrying the list's query string for its link back."""
    params: dict[str, object] = {"id": int(item_id)}
    if list_query:
        params[BACK_KEY] = list_query
    return f"/{path}?{urlencode(params)}"


def back_link(
    page: st.Page, page_name: str, carried: Callable[[str], dict[str, list[str]]]
) -> None:
    """A "Back to PAGE_NAME" link to `page`, with the view this page was opened from; `carried`
    is the list's core rule reading a `back` value into its parameters (bad values left out)."""
    st.page_link(
        page,
        label=words.BACK_TO.format(page=page_name),
        icon=":material/arrow_back:",
        query_params=carried(st.query_params.get(BACK_KEY, "")),
    )
