"""Manage › Gamification › Batch unlock: the history of batches, filtered, sorted, live."""

from __future__ import annotations

from datetime import date

import altair as alt
import polars as pl
import streamlit as st

from core import batch_list, batch_state, catalog, labels, publisher
from core.batch_filters import (
    SORT_LABELS,
    BatchFilter,
    DateFilter,
    filter_chips,
    parse_query_params,
    status_choices,
)
from core.roles import Permission
from pages.ui import formatting, session, widgets

acct = session.account()
cur = session.cursor()
tz = formatting.viewer_tz()
pages = st.session_state["pages"]

visible_statuses = dict(status_choices(acct))


def current_view() -> tuple[BatchFilter, list[str]]:
    """Read the view from the URL, leaving out what this account may not see (with notes)."""
    view, notes = parse_query_params({k: st.query_params.get_all(k) for k in st.query_params})
    if hidden := [s for s in view.statuses if s not in visible_statuses]:
        # A link made by an admin may ask for drafts, which this account cannot see.
        notes.append(
            "The link's status filter "
            + ", ".join(labels.BATCH_STATUS[s] for s in hidden)
            + " was left out: your role does not see those batches."
        )
        view = view.changed(statuses=[s for s in view.statuses if s in visible_statuses])
    return view, notes


flt, notes = current_view()
view_key = flt.to_query_string() or "all"  # widgets are re-made whenever the view changes


def go(view: BatchFilter) -> None:
    """Put a view in the URL, so it can be shared; as a widget callback it costs no extra run."""
    st.query_params.from_dict(view.to_query_params())


def show(view: BatchFilter) -> None:
    """Go to a view read from a widget's value during this run, and show it."""
    go(view)
    st.rerun()


title_col, action_col = st.columns([6, 1], vertical_alignment="bottom")
with title_col:
    session.header(labels.BATCH_UNLOCK, [labels.MANAGE, labels.GAMIFICATION, labels.BATCH_UNLOCK])
with action_col:
    if acct.can(Permission.EDIT_BATCHES) and st.button(
        labels.CREATE_BATCH, type="primary", icon="➕", width="stretch"
    ):
        st.switch_page(pages["new_batch"])

session.show_flash()
for note in notes:
    st.warning(note)

tree = catalog.badge_tree(cur, include_archived=True)

with st.container(border=True):
    st.markdown(f"**{labels.FILTERS}**")
    c_status, c_name, c_badge = st.columns([2, 3, 2], vertical_alignment="bottom")
    with c_status:
        picked = st.multiselect(
            labels.STATUS,
            list(visible_statuses),
            default=list(flt.statuses),
            key=f"status_{view_key}",
            format_func=visible_statuses.get,
            placeholder="Any status",
        )
        if set(picked) != set(flt.statuses):
            show(flt.changed(statuses=picked))
    with c_name, st.form(f"name_{view_key}", border=False):
        n1, n2 = st.columns([4, 1], vertical_alignment="bottom")
        name_key = f"name_input_{view_key}"
        n1.text_input(labels.BATCH_NAME, value=flt.name, placeholder="Part of a name", key=name_key)
        n2.form_submit_button(
            labels.SEARCH,
            width="stretch",
            on_click=lambda: go(flt.changed(name=st.session_state[name_key])),
        )
    with c_badge:
        b1, b2 = st.columns([3, 2], vertical_alignment="bottom")
        selected = set(flt.quest_ids) | {
            q.id for quests in tree.values() for q in quests if q.badge_id in flt.badge_ids
        }
        with b1:
            checked = widgets.quest_tree_filter(tree, selected, key=f"tree_{view_key}")
        if b2.button(labels.SEARCH, key="badge_search", width="stretch"):
            badge_ids, quest_ids = [], []
            for quests in tree.values():
                ids = {q.id for q in quests}
                if ids <= checked:
                    badge_ids.append(quests[0].badge_id)  # a whole badge reads better as one chip
                else:
                    quest_ids += sorted(ids & checked)
            show(flt.changed(badge_ids=badge_ids, quest_ids=quest_ids))

    with st.expander(labels.MORE_FILTERS, expanded=bool(flt.created or flt.updated)):
        ops = list(labels.DATE_OPERATORS)
        dates: dict[str, DateFilter | None] = {}
        cols = st.columns([1, 2, 1, 2, 1], vertical_alignment="bottom")
        for (field, label, current), (op_col, day_col) in zip(
            [
                ("created", labels.CREATED_AT, flt.created),
                ("updated", labels.LAST_UPDATED, flt.updated),
            ],
            [(cols[0], cols[1]), (cols[2], cols[3])],
            strict=True,
        ):
            op = op_col.selectbox(
                f"{label} operator",
                ops,
                index=ops.index(current.op) if current else 0,
                format_func=labels.DATE_OPERATORS.get,
                key=f"{field}_op_{view_key}",
                label_visibility="collapsed",
            )
            day: date | None = day_col.date_input(
                label,
                value=current.day if current else None,
                key=f"{field}_day_{view_key}",
                format="YYYY-MM-DD",
            )
            dates[field] = DateFilter(op, day) if day else None
        if cols[4].button(labels.SEARCH, key="date_search", width="stretch"):
            show(flt.changed(created=dates["created"], updated=dates["updated"]))

    chips = filter_chips(cur, flt)
    if chips:
        chip_cols = st.columns(len(chips) + 1)
        for col, chip in zip(chip_cols, chips, strict=False):
            col.button(
                chip.label,
                key=f"chip_{chip.key}",
                icon="✖️",
                help="Remove this filter",
                on_click=go,
                args=(chip.without,),
            )
        chip_cols[-1].button(
            "Clear all", key="chip_clear", type="tertiary", on_click=go, args=(flt.cleared(),)
        )

COLUMNS = [  # (sort column or None, header, width)
    ("name", labels.TITLE, 3),
    ("badge", labels.BADGE, 2),
    ("quest", labels.QUEST, 2),
    ("users", "Users", 1),
    ("created_at", labels.CREATED_AT, 2),
    ("updated_at", labels.LAST_UPDATED, 2),
    (None, "Created by", 1.5),
    ("status", labels.STATUS, 2.5),
    (None, "", 1),
]


def sort_header(flt: BatchFilter) -> None:
    """Column headers that sort the whole filtered list (not just the page shown)."""
    cols = st.columns([w for _c, _h, w in COLUMNS], vertical_alignment="center")
    for col, (column, header, _w) in zip(cols, COLUMNS, strict=True):
        if column is None:
            col.markdown(f"**{header}**")
            continue
        arrow = (" ▼" if flt.desc else " ▲") if flt.sort == column else ""
        col.button(
            f"{header}{arrow}",
            key=f"sort_{column}",
            type="tertiary",
            help=f"Sort by {SORT_LABELS[column]}",
            on_click=go,
            args=(flt.sorted_by(column),),
        )


@st.fragment(run_every=st.session_state.get("list_poll"))
def batch_table() -> None:
    """The current page of batches; re-queried every few seconds while any of them runs.

    Sorting and paging change only this part, so they rerun only this fragment, which reads the
    view from the URL again (their callbacks put it there).
    """
    flt, _notes = current_view()
    result = batch_list.list_batches(cur, acct, flt, tz)
    running = result.rows.filter(pl.col("status").is_in(list(batch_state.QUEUED_STATUSES))).height
    poll = "2s" if running else None
    if poll != st.session_state.get("list_poll"):
        st.session_state["list_poll"] = poll
        st.rerun()  # the fragment's timer is set when the page runs
    st.caption(f"{result.total:,} matching batch{'es' if result.total != 1 else ''}")
    if result.total == 0:
        st.info(
            "No batch matches these filters. Remove a filter above, or clear them all."
            if flt.is_filtered
            else "No batch yet. Use “Create Batch” to make the first one."
        )
        return
    sort_header(flt)
    editable = acct.can(Permission.EDIT_BATCHES)
    # Each "Unpublished" batch shows its place in the publishing queue.
    places = dict(publisher.queue(cur).select("id", "position").iter_rows()) if running else {}
    for row in result.rows.iter_rows(named=True):
        cols = st.columns([w for _c, _h, w in COLUMNS], vertical_alignment="center")
        cols[0].markdown(formatting.md(row["name"]))
        cols[1].markdown(formatting.md(row["badge"] or ""))
        cols[2].markdown(formatting.md(row["quest"] or ""))
        cols[3].markdown(f"{row['users']:,}")
        cols[4].markdown(formatting.when(row["created_at"]))
        cols[5].markdown(formatting.when(row["updated_at"]))
        cols[6].markdown(formatting.md(row["created_by"]))
        with cols[7]:
            if row["status"] == batch_state.IN_PROGRESS:
                st.progress(
                    row["progress"] / 100,
                    text=batch_state.status_label(row["status"], row["progress"]),
                )
            else:
                formatting.status_badge(row["status"])
                if row["id"] in places:
                    st.caption(f"{publisher.ordinal(places[row['id']])} in the queue")
        cols[8].page_link(
            pages["batch_detail"],
            label=labels.EDIT if editable else labels.VIEW,
            query_params={"id": str(row["id"])},
        )
    if result.pages > 1:
        pager = f"pager_{flt.to_query_string()}"
        st.pagination(
            result.pages,
            default=result.page,
            key=pager,
            on_change=lambda: go(flt.with_page(st.session_state[pager])),
        )


batch_table()

export_col, _ = st.columns([1, 4])
export_col.download_button(
    "Export CSV",
    # The view is bound now: the file is built later, outside this run (no URL to read then).
    data=lambda view=flt: batch_list.export_batches(cur, acct, view, tz),
    file_name="batches.csv",
    mime="text/csv",
    icon="⬇️",
    help="The whole filtered list (every page), ready for a spreadsheet.",
)


@st.cache_data(ttl=30, show_spinner=False)
def chart_data(view: str, tz: str, username: str, role: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two charts' data for a view; cached briefly, as they read millions of unlocks."""
    del view, username, role  # cache keys: the same view for the same viewer
    return (
        batch_list.unlocks_by_week(cur, acct, flt, tz),
        batch_list.batches_by_status(cur, acct, flt, tz),
    )


weekly, by_status = chart_data(view_key, tz, acct.username, acct.role.value)
chart_left, chart_right = st.columns([3, 2])
with chart_left:
    if weekly.height:
        st.altair_chart(
            alt.Chart(weekly.to_pandas(), title="Unlocks per week, by badge")
            .mark_bar()
            .encode(
                x=alt.X("week:T", title="Week", timeUnit="yearweek"),
                y=alt.Y("unlocks:Q", title="Unlocks"),
                color=alt.Color("badge:N", title=labels.BADGE),
                tooltip=["iso_week", "badge", "unlocks"],
            ),
            width="stretch",
        )
    else:
        st.caption("No unlock yet for these batches.")
with chart_right:
    st.altair_chart(
        alt.Chart(by_status.to_pandas(), title="Batches by status")
        .mark_bar()
        .encode(
            x=alt.X("batches:Q", title="Batches"),
            y=alt.Y("label:N", title=None, sort=list(by_status["label"])),
            color=alt.Color("label:N", legend=None),
            tooltip=["label", "batches"],
        ),
        width="stretch",
    )

if acct.can(Permission.EDIT_BATCHES):
    with st.expander("Publisher"):
        worker = session.publisher_status()
        rate = publisher.get_rate(cur)
        st.caption(
            ("Running in the app" if worker and worker.running else "Not running in this app")
            + (f" · {worker.processed:,} unlocks since start" if worker else "")
            + (f" · last error: {worker.last_error}" if worker and worker.last_error else "")
        )
        new_rate = st.number_input(
            "Unlocks per second (0 = unlimited)",
            min_value=0,
            value=int(rate or 0),
            step=50,
            help="A throttle that protects the platform; the publisher follows it at once.",
        )
        if st.button("Save rate") and session.attempt(
            lambda: publisher.set_rate(cur, acct, new_rate) or True
        ):
            st.toast("Publishing rate saved.")
