"""Manage › Users: the platform users, filtered (every filter in the URL), counted, sorted, paged;
exported for a batch upload or in full; added straight to a batch (admins and devs)."""

from __future__ import annotations

import streamlit as st

from core import words
from core.access.roles import Permission
from core.catalog import badge_tree
from core.history.terms import PAGE_SIZE_CHOICES
from core.segments import segment, user_url
from core.segments.user_filter import MAX_USER_PAGE_SIZE, UserFilter
from pages.ui import back_links, formatting, session, user_actions, user_filters, user_grid
from pages.ui.state import USERS_ADD_ASK

acct = session.account()
uow = session.unit_of_work()
tz = formatting.viewer_tz()

flt, notes = user_filters.current_filter(uow, acct)
# Archived quests too: a user still holds a quest that was archived since.
tree = badge_tree.badge_tree(uow, include_archived=True)

title_col, action_col = st.columns([6, 1], vertical_alignment="bottom")
with title_col:
    session.header(words.USERS_PAGE, [words.MANAGE, words.USERS_PAGE])
with action_col:
    if acct.can(Permission.EDIT_BATCHES):
        st.button(
            words.ADD_TO_BATCH,
            type="primary",
            icon=":material/group_add:",
            width="stretch",
            key="users_add",
            # The filter as the URL holds it at the click (a sort since is kept; it adds the same).
            on_click=session.callback(
                lambda: USERS_ADD_ASK.set(user_url.to_query_string(user_filters.filter_now()))
            ),
        )

session.show_flash()
for note in notes:
    st.warning(formatting.literal(note))  # a note may quote the link's own words

user_filters.filters_box(uow, acct, flt, tree)


def page_sizes(f: UserFilter) -> list[int]:
    """The "Rows per page" choices, with the link's own size among them."""
    sizes = [s for s in PAGE_SIZE_CHOICES if s <= MAX_USER_PAGE_SIZE]
    return sorted({*sizes, f.page_size})


@session.callback
def open_user(user_id: int) -> None:
    """An "Open" click: a plain navigation (Back returns to this filtered list)."""
    list_query = user_url.to_query_string(user_filters.filter_now())
    session.redirect(back_links.detail_url("user", user_id, list_query))


@session.fragment
def users_table() -> None:
    """The count, the current page and the exports; a sort or a page reruns only this part."""
    f = user_filters.filter_now()  # the full run has put the cleaned filter in the URL
    viewer = session.account()
    found = session.attempt(lambda: segment.find_users(uow, viewer, f, tz))
    if found is None:
        return
    f = found.filter  # a page past the last is shown as the last
    st.caption(found.count_text)
    if found.total == 0:
        st.info(words.NO_USER_MATCHES if f.is_filtered else words.NO_USER_YET)
        return
    user_grid.user_grid(
        found.rows,
        f,
        tz,
        on_sort=lambda column: user_filters.go(user_filters.filter_now().sorted_by(column)),
        on_open=open_user,
    )
    pages = found.pages
    pager_col, size_col = st.columns([5, 1], vertical_alignment="center")
    qs = user_url.to_query_string(f)
    if pages > 1:
        pager = f"users_pager_{qs}"
        with pager_col:
            st.pagination(
                pages,
                default=f.page,
                key=pager,
                on_change=lambda: user_filters.go(
                    user_filters.filter_now().with_page(st.session_state[pager])
                ),
            )
    sizes = page_sizes(f)
    size_key = f"users_size_{qs}"
    size_col.selectbox(
        words.ROWS_PER_PAGE,
        sizes,
        index=sizes.index(f.page_size),
        key=size_key,
        on_change=lambda: user_filters.go(
            user_filters.filter_now().changed(page_size=st.session_state[size_key])
        ),
    )
    if found.more_than:
        st.caption(words.USERS_COUNTED_UP_TO.format(n=segment.MAX_EXPORT_ROWS))
    # Here, in the fragment: the files must follow the view the grid shows.
    user_actions.exports(f, found.total, tz)


users_table()
user_actions.add_dialog_if_asked(tz, tree)
