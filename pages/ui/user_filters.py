"""The Users page's filters: widgets ↔ UserFilter ↔ URL, like the batch list's Filters box.

The URL holds the filter (core.segments.user_url), so a view can be shared and Back works;
every widget's callback builds the next filter from the URL as it is at the click, never from
the filter the last full run read (a sort or a page reruns only the table's fragment).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date

import streamlit as st

from core import words
from core.access.roles import Account
from core.batches import read_model
from core.catalog.badge_tree import Quest
from core.errors import BatchUnlockError
from core.history.dates import DateFilter
from core.segments import segment, user_chips, user_url
from core.segments.user_filter import UserFilter, parse_id_list
from core.store.ports import UnitOfWork
from pages.ui import formatting, session, widgets
from pages.ui.state import USERS_FILTER_PROBLEM

ACTIVE_OPTIONS = [None, True, False]
STATUS_OPTIONS = ["", *words.USER_STATUS]  # "": any status in that batch


def parsed_filter() -> tuple[UserFilter, list[str]]:
    """Read the filter from the URL, leaving out values that do not parse (with a note each)."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    return user_url.parse_query_params(params)


def current_filter(uow: UnitOfWork, viewer: Account) -> tuple[UserFilter, list[str]]:
    """Read the filter from the URL, leaving out what is bad or not for this viewer (an unknown
    quest, someone else's draft: a note each), and put the cleaned filter back in the URL.

    A link shared from here then carries only what applies, and the notes are shown once.
    """
    parsed, notes = parsed_filter()
    cleaned, more = segment.clean_filter(uow, viewer, parsed)
    notes = [*notes, *more]
    if notes:
        # The page's own run (not a callback): the address bar follows, with no extra run.
        st.query_params.from_dict(user_url.to_query_params(cleaned))
    return cleaned, notes


def filter_now() -> UserFilter:
    """The filter as the URL holds it at this moment (what callbacks build on).

    The full run has put the cleaned filter in the URL, so this need not clean it again.
    """
    return parsed_filter()[0]


def view_key(f: UserFilter) -> str:
    """A key that changes when the filters change (not the sort or the page): widgets' keys."""
    return user_url.to_query_string(f.filters_only) or "all"


@session.callback
def go(f: UserFilter) -> None:
    """Put a filter in the URL; as a widget callback it costs no extra run."""
    st.query_params.from_dict(user_url.to_query_params(f))


@session.callback
def go_to(make: Callable[[], UserFilter]) -> None:
    """Like `go`, for a filter built from what the user typed: a refusal is shown, not raised."""
    try:
        go(make())
    except BatchUnlockError as exc:
        USERS_FILTER_PROBLEM.set(str(exc))


@session.callback
def apply(f: UserFilter) -> None:
    """From a fragment's callback: put the filter in the URL and rerun the whole page."""
    go(f)
    st.rerun()


def quest_names(tree: dict[str, list[Quest]]) -> dict[int, str]:
    """Each quest as the chips write it: "Badge › Quest"."""
    return {q.id: f"{badge} › {q.name}" for badge, quests in tree.items() for q in quests}


def batch_names(uow: UnitOfWork, viewer: Account, f: UserFilter) -> dict[int, str]:
    """The names of the batches the filter names, where the viewer may see them."""
    names: dict[int, str] = {}
    for batch_id in {f.in_batch, f.not_in_batch} - {None}:
        # Gone, or someone else's draft: the chip shows the id alone.
        with contextlib.suppress(BatchUnlockError):
            names[batch_id] = read_model.get_batch(uow, batch_id, viewer).name
    return names


def _quest_filter(tree: dict[str, list[Quest]], flt: UserFilter, field: str, key: str) -> None:
    """A "Badge" tree picker and its "Search" for `holds` or `lacks`, rerunning only itself."""

    @session.fragment
    def picker() -> None:
        st.caption(words.HOLDS if field == "holds" else words.LACKS)
        p1, p2 = st.columns([3, 2], vertical_alignment="bottom")
        with p1:
            checked = widgets.quest_tree_filter(
                tree, set(getattr(flt, field)), key=f"{field}_tree_{key}"
            )

        @session.callback
        def search() -> None:
            now = filter_now()
            # Checked here means not in the other list: a quest moved from one to the other.
            other = "lacks" if field == "holds" else "holds"
            rest = [q for q in getattr(now, other) if q not in checked]
            try:
                apply(now.changed(**{field: sorted(checked), other: rest}))
            except BatchUnlockError as exc:
                USERS_FILTER_PROBLEM.set(str(exc))
                st.rerun()  # the whole page, with the refusal in the Filters box

        p2.button(words.SEARCH, key=f"{field}_search", width="stretch", on_click=search)

    with st.container(key=f"{field}_filter"):
        picker()


def _ids_filter(flt: UserFilter, key: str) -> None:
    """The pasted User ID list, in a popover drawn only while open (opening reruns only it)."""

    @session.fragment
    def ids_box() -> None:
        label = f"{words.USER_IDS} ({len(flt.ids):,})" if flt.ids else words.USER_IDS
        popover = st.popover(
            label, width="stretch", key=f"users_ids_popover_{key}", on_change="rerun"
        )
        with popover:
            if not popover.open:
                return
            ids_key = f"users_ids_{key}"
            st.text_area(
                words.USER_IDS,
                value="\n".join(str(i) for i in flt.ids),
                key=ids_key,
                placeholder=words.USER_IDS_HINT,
                height=150,
            )

            @session.callback
            def search() -> None:
                try:
                    picked = filter_now().changed(ids=parse_id_list(st.session_state[ids_key]))
                except BatchUnlockError as exc:
                    USERS_FILTER_PROBLEM.set(str(exc))
                    st.rerun()  # the whole page, with the refusal in the Filters box
                    return
                apply(picked)

            st.button(words.SEARCH, key="users_ids_search", on_click=search)

    ids_box()


def filters_box(
    uow: UnitOfWork, viewer: Account, flt: UserFilter, tree: dict[str, list[Quest]]
) -> None:
    """The Filters box: text, IDs, active, holds / does not hold, then dates and batches."""
    key = view_key(flt)
    with st.container(border=True):
        st.markdown(f"**{words.FILTERS}**")
        if problem := USERS_FILTER_PROBLEM.pop():
            st.warning(formatting.literal(problem))
        c_text, c_active, c_ids = st.columns([3, 2, 2], vertical_alignment="bottom")
        with c_text, st.form(f"users_text_{key}", border=False):
            t1, t2 = st.columns([4, 1], vertical_alignment="bottom")
            text_key = f"users_text_input_{key}"
            t1.text_input(
                words.USER_TEXT, value=flt.text, placeholder=words.USER_TEXT_HINT, key=text_key
            )
            t2.form_submit_button(
                words.SEARCH,
                width="stretch",
                on_click=lambda: go_to(
                    lambda: filter_now().changed(text=st.session_state[text_key])
                ),
            )
        active_key = f"users_active_{key}"
        c_active.selectbox(
            words.ACTIVE,
            ACTIVE_OPTIONS,
            index=ACTIVE_OPTIONS.index(flt.active),
            format_func=lambda v: words.ACTIVE_CHOICE[v],
            key=active_key,
            on_change=lambda: go(filter_now().changed(active=st.session_state[active_key])),
        )
        with c_ids:
            _ids_filter(flt, key)
        q_holds, q_lacks = st.columns(2, vertical_alignment="bottom")
        with q_holds:
            _quest_filter(tree, flt, "holds", key)
        with q_lacks:
            _quest_filter(tree, flt, "lacks", key)
        _more_filters(flt, key)
        _chips(uow, viewer, flt, tree)


def _more_filters(flt: UserFilter, key: str) -> None:
    """Dates (the batch list's "> After / < Before / = Equal" rows) and the batch filters."""
    expanded = bool(
        flt.registered or flt.last_active or flt.in_batch is not None or flt.not_in_batch
    )
    with st.expander(words.MORE_FILTERS, expanded=expanded):
        ops = list(words.DATE_OPERATORS)
        for field, label, current in (
            ("registered", words.REGISTERED_AT, flt.registered),
            ("last_active", words.LAST_ACTIVE_AT, flt.last_active),
        ):
            day_col, op_col, end_col = st.columns([3, 2, 5], vertical_alignment="bottom")
            day_col.date_input(
                label,
                value=current.day if current else None,
                key=f"users_{field}_day_{key}",
                format="YYYY-MM-DD",
            )
            op_col.selectbox(
                words.OPERATOR_OF.format(label=label),
                ops,
                index=ops.index(current.op) if current else 0,
                format_func=words.DATE_OPERATORS.get,
                key=f"users_{field}_op_{key}",
                label_visibility="collapsed",
            )

        def picked(field: str) -> DateFilter | None:
            op_key, day_key = f"users_{field}_op_{key}", f"users_{field}_day_{key}"  # widgets'
            op: str = st.session_state[op_key]
            day: date | None = st.session_state[day_key]
            return DateFilter(op, day) if day else None

        end_col.button(
            words.SEARCH,
            key="users_date_search",
            on_click=lambda: go_to(
                lambda: filter_now().changed(
                    registered=picked("registered"), last_active=picked("last_active")
                )
            ),
        )
        b_in, b_status, b_not, b_go = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
        in_key, status_key, not_key = (
            f"users_in_batch_{key}",
            f"users_in_status_{key}",
            f"users_not_in_batch_{key}",
        )
        b_in.text_input(
            words.IN_BATCH,
            value="" if flt.in_batch is None else str(flt.in_batch),
            key=in_key,
            placeholder=words.BATCH_ID_HINT,
        )
        b_status.selectbox(
            words.IN_BATCH_STATUS,
            STATUS_OPTIONS,
            index=STATUS_OPTIONS.index(flt.in_batch_status or ""),
            format_func=lambda s: words.USER_STATUS.get(s, words.ANY_STATUS),
            key=status_key,
        )
        b_not.text_input(
            words.NOT_IN_BATCH,
            value="" if flt.not_in_batch is None else str(flt.not_in_batch),
            key=not_key,
            placeholder=words.BATCH_ID,
        )

        def batches() -> UserFilter:
            state = st.session_state
            return filter_now().changed(
                in_batch=_batch_id(state[in_key]),
                in_batch_status=state[status_key] or None,
                not_in_batch=_batch_id(state[not_key]),
            )

        b_go.button(
            words.SEARCH,
            key="users_batch_search",
            width="stretch",
            on_click=lambda: go_to(batches),
        )


def _batch_id(text: str) -> str | None:
    """A typed batch ID ("#48" reads as 48); core checks it is one."""
    text = (text or "").strip().lstrip("#")
    return text or None


def _chips(uow: UnitOfWork, viewer: Account, flt: UserFilter, tree: dict[str, list[Quest]]) -> None:
    """The active filters as removable chips in one wrapping row, "Clear all" at its end."""
    names = quest_names(tree)
    found = user_chips.chips(flt, names, batch_names(uow, viewer, flt))
    if not found:
        return

    @session.callback
    def remove(chip_key: str) -> None:
        # Removed from the filter as it is now (a sort made since the last full run is kept).
        now = filter_now()
        left = [c.without for c in user_chips.chips(now, names) if c.key == chip_key]
        go(left[0] if left else now)

    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="chips"):
        for chip in found:
            st.button(
                formatting.literal(chip.label),  # built from the URL: anyone can craft it
                key=f"chip_{chip.key}",
                icon=":material/close:",
                help=words.REMOVE_FILTER,
                on_click=remove,
                args=(chip.key,),
            )
        st.button(
            words.CLEAR_ALL,
            key="chip_clear",
            type="tertiary",
            on_click=lambda: go(filter_now().cleared()),
        )
