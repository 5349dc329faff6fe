"""Manage › Gamification › Batch unlock: the history of batches, filtered, sorted, live."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl
import streamlit as st

from core import words
from core.access.roles import Permission
from core.catalog import badge_tree
from core.errors import BatchUnlockError
from core.history import charts, export, screen, url
from core.history.chips import filter_chips
from core.history.view import BatchFilter
from pages.ui import (
    back_links,
    batch_charts,
    batch_grid,
    formatting,
    live,
    publisher_panel,
    publisher_stall,
    session,
    shell,
    widgets,
)
from pages.ui.state import FILTER_PROBLEM, LIST_POLL, OPEN_BATCH, PAGES

acct = session.account()
uow = session.unit_of_work()
tz = formatting.viewer_tz()
pages = PAGES.get()

visible_statuses = dict(screen.status_choices(acct))


def current_view() -> tuple[BatchFilter, list[str]]:
    """Read the view from the URL, leaving out what this account may not see (with notes)."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    return screen.view_from_url(params, acct)


def view_now() -> BatchFilter:
    """The view as the URL holds it at this moment.

    Callbacks build their next view from this, never from the view the last full run read:
    a header sort or a page change reruns only the table's fragment, so the full run's view
    is stale by then (it would drop the sort).
    """
    return current_view()[0]


flt, notes = current_view()
# The filter widgets are re-made whenever the filters change (not the sort or the page: those
# rerun only the table's fragment, and the charts, which ignore them, are cached by this key).
view_key = url.to_query_string(flt.filters_only) or "all"


@session.callback
def go(view: BatchFilter) -> None:
    """Put a view in the URL, so it can be shared; as a widget callback it costs no extra run."""
    st.query_params.from_dict(url.to_query_params(view))


@session.callback
def go_to(make_view: Callable[[], BatchFilter]) -> None:
    """Like `go`, for a view built from what the user typed: a refusal is shown, not raised."""
    try:
        go(make_view())
    except BatchUnlockError as exc:
        FILTER_PROBLEM.set(str(exc))


title_col, action_col = st.columns([6, 1], vertical_alignment="bottom")
with title_col:
    session.header(words.BATCH_UNLOCK, [words.MANAGE, words.GAMIFICATION, words.BATCH_UNLOCK])
with action_col:
    if acct.can(Permission.EDIT_BATCHES) and st.button(
        words.CREATE_BATCH, type="primary", icon=":material/add:", width="stretch"
    ):
        st.switch_page(pages["new_batch"])

session.show_flash()
for note in notes:
    st.warning(formatting.literal(note))  # a note may quote the link's own words


@session.callback
def apply(view: BatchFilter) -> None:
    """As a callback inside a fragment: put the view in the URL and rerun the whole page."""
    go(view)
    st.rerun()  # from a callback this asks for one full run instead of the fragment's own


@session.fragment
def badge_filter(flt: BatchFilter) -> None:
    """The "Badge" tree and its "Search"; opening it or ticking a box reruns only this part.

    `flt` only says which boxes start checked; "Search" applies them to the view as it is then.
    """
    tree = badge_tree.badge_tree(uow, include_archived=True)
    b1, b2 = st.columns([3, 2], vertical_alignment="bottom")
    with b1:
        checked = widgets.quest_tree_filter(
            tree, screen.checked_quests(flt, tree), key=f"tree_{view_key}"
        )

    @session.callback
    def search() -> None:
        apply(screen.with_checked(view_now(), tree, checked))

    b2.button(words.SEARCH, key="badge_search", width="stretch", on_click=search)


with st.container(border=True):
    st.markdown(f"**{words.FILTERS}**")
    if problem := FILTER_PROBLEM.pop():
        st.warning(formatting.literal(problem))
    c_status, c_name, c_badge = st.columns([2, 3, 2], vertical_alignment="bottom")
    status_key = f"status_{view_key}"
    c_status.multiselect(
        words.STATUS,
        list(visible_statuses),
        default=list(flt.statuses),
        key=status_key,
        format_func=visible_statuses.get,
        placeholder="Any status",
        on_change=lambda: go(view_now().changed(statuses=st.session_state[status_key])),
    )
    with c_name, st.form(f"name_{view_key}", border=False):
        n1, n2 = st.columns([4, 1], vertical_alignment="bottom")
        name_key = f"name_input_{view_key}"
        n1.text_input(words.BATCH_NAME, value=flt.name, placeholder="Part of a name", key=name_key)
        n2.form_submit_button(
            words.SEARCH,
            width="stretch",
            on_click=lambda: go_to(lambda: view_now().changed(name=st.session_state[name_key])),
        )
    with c_badge:
        badge_filter(flt)

    with st.expander(words.MORE_FILTERS, expanded=bool(flt.created or flt.updated)):
        ops = list(words.DATE_OPERATORS)
        # The spec: "Both time fields have a dropdown on the right-hand side": one row per date
        # field, the field then its operator; "Search" applies both rows.
        for field, label, current in (
            ("created", words.CREATED_AT, flt.created),
            ("updated", words.LAST_UPDATED, flt.updated),
        ):
            day_col, op_col, end_col = st.columns([3, 2, 5], vertical_alignment="bottom")
            day_col.date_input(
                label,
                value=current.day if current else None,
                key=f"{field}_day_{view_key}",
                format="YYYY-MM-DD",
            )
            op_col.selectbox(
                f"{label} operator",
                ops,
                index=ops.index(current.op) if current else 0,
                format_func=words.DATE_OPERATORS.get,
                key=f"{field}_op_{view_key}",
                label_visibility="collapsed",
            )

        def picked(field: str) -> tuple[str, date | None]:
            state = st.session_state
            return state[f"{field}_op_{view_key}"], state[f"{field}_day_{view_key}"]

        end_col.button(
            words.SEARCH,
            key="date_search",
            on_click=lambda: go_to(
                lambda: screen.with_dates(view_now(), picked("created"), picked("updated"))
            ),
        )

    chips = filter_chips(uow, flt)
    if chips:

        @session.callback
        def remove_chip(chip_key: str) -> None:
            # The chip's view once removed, from the view as it is now (a sort made since the
            # last full run is kept); a chip already gone leaves the view as it is.
            now = view_now()
            found = [
                c.without for c in filter_chips(session.unit_of_work(), now) if c.key == chip_key
            ]
            go(found[0] if found else now)

        # One row that wraps, "Clear all" at its end.
        with st.container(horizontal=True, gap="small", vertical_alignment="center", key="chips"):
            for chip in chips:
                st.button(
                    formatting.literal(chip.label),  # built from the URL: anyone can craft it
                    key=f"chip_{chip.key}",
                    icon=":material/close:",
                    help="Remove this filter",
                    on_click=remove_chip,
                    args=(chip.key,),
                )
            st.button(
                "Clear all",
                key="chip_clear",
                type="tertiary",
                on_click=lambda: go(view_now().cleared()),
            )


@session.callback
def open_batch(batch_id: int) -> None:
    """Remember which batch an Edit click asked for; the fragment's next run goes there."""
    OPEN_BATCH.set(batch_id)


# Read before the table's fragment is made, so its timer is right from the page's first run:
# set by the fragment alone, it flipped there while a batch ran, and every opening of the list
# cost a second full run. The fragment draws this read with the page, and reads again alone.
first_table = live.list_table(uow, acct, flt, tz)
LIST_POLL.set("2s" if first_table.running else None)


@session.fragment(run_every=LIST_POLL.get())
def batch_table() -> None:
    """The current page of batches; re-queried every few seconds while any of them runs.

    Sorting, paging and Edit change only this part, so they rerun only this fragment, which reads
    the view from the URL again (their callbacks put it there).
    """
    if (target := OPEN_BATCH.pop()) is not None:
        # A plain navigation, not st.switch_page: that first rewrites this page's URL (one
        # more history entry, without the filters), so Back would lose the filtered view.
        # The list's view goes along, for the batch page's link back to this same view.
        list_query = url.to_query_string(view_now())
        session.redirect(back_links.detail_url(shell.DETAIL_PATH, target, list_query))
        return
    publisher_stall.show_stall()  # above the table, not hidden in the Publisher box
    flt, _notes = current_view()
    viewer = session.account()  # as it is now, not as the last full run saw it
    table = live.list_table(uow, viewer, flt, tz) if live.is_timer_run() else first_table
    result = table.page
    poll = "2s" if table.running else None
    if poll != LIST_POLL.get():
        LIST_POLL.set(poll)
        st.rerun()  # the fragment's timer is set when the page runs
    st.caption(f"{result.total:,} matching batch{'es' if result.total != 1 else ''}")
    if result.total == 0:
        st.info(
            "No batch matches these filters. Remove a filter above, or clear them all."
            if flt.is_filtered
            else "No batch yet. Use “Create Batch” to make the first one."
        )
        return
    batch_grid.batch_grid(
        result.rows,
        flt,
        viewer.can(Permission.EDIT_BATCHES),
        on_sort=lambda column: go(view_now().sorted_by(column)),
        on_open=open_batch,
    )
    pager_col, size_col = st.columns([5, 1], vertical_alignment="center")
    if result.pages > 1:
        pager = f"pager_{url.to_query_string(flt)}"
        with pager_col:
            st.pagination(
                result.pages,
                default=result.page,
                key=pager,
                on_change=lambda: go(view_now().with_page(st.session_state[pager])),
            )
    sizes = screen.page_sizes(flt)
    size_key = f"size_{url.to_query_string(flt)}"
    size_col.selectbox(
        "Rows per page",
        sizes,
        index=sizes.index(flt.page_size),
        key=size_key,
        on_change=lambda: go(view_now().changed(page_size=st.session_state[size_key])),
    )
    # Here, not beside the charts: a sort or a page reruns only this fragment, and the file
    # must follow the view the grid shows. The view is bound now: the file is built later, on
    # a worker thread with no URL to read.
    st.download_button(
        "Export CSV",
        data=session.deferred(lambda c, a, view=flt: export.export_batches(c, a, view, tz)),
        file_name="batches.csv",
        mime="text/csv",
        icon=":material/download:",
        help="The whole filtered list (every page), in the order shown, ready for a spreadsheet.",
        key=f"export_{url.to_query_string(flt)}",
    )


batch_table()


@st.cache_data(ttl=30, show_spinner=False)
def chart_data(view: str, tz: str, seen_by: str) -> tuple[charts.Timeline, pl.DataFrame]:
    """The two charts' data for a view; cached briefly, for the reruns of unchanged filters."""
    # Cache keys: the same filters (sort and page aside) over the same batches seen (every
    # admin shares one answer: under load each admin's own key missed as often as it hit).
    del view, seen_by
    return (
        charts.unlocks_over_time(uow, acct, flt, tz),
        charts.batches_by_status(uow, acct, flt, tz),
    )


timeline, by_status = chart_data(view_key, tz, live.seen_by(acct))
chart_left, chart_right = st.columns([3, 2])
if timeline.frame.height:
    chart_left.vega_lite_chart(*batch_charts.unlocks_over_time(timeline), width="stretch")
else:
    chart_left.caption("No unlock yet for these batches.")
chart_right.vega_lite_chart(*batch_charts.batches_by_status(by_status), width="stretch")

if acct.can(Permission.EDIT_BATCHES):
    publisher_panel.show(uow, acct)
