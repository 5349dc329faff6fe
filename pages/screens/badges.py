"""Manage › Gamification › Badges: every badge with its quests; "⋮" leads to "Batch unlock"."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import words
from core.access.roles import Permission
from core.catalog import badge_tree, editing
from core.csv_safe import to_csv_bytes
from pages.ui import batch_charts, formatting, session
from pages.ui.state import PAGES

ADD_BADGE = "Add badge"
ADD_QUEST = "Add quest"
ARCHIVE_QUEST = "Archive or restore a quest"
ARCHIVE_BADGE = "Archive or restore a badge"

acct = session.account()
uow = session.unit_of_work()
is_admin = acct.can(Permission.MANAGE_CATALOG)

title_col, menu_col = st.columns([8, 1], vertical_alignment="bottom")
with title_col:
    session.header(words.BADGES, [words.MANAGE, words.GAMIFICATION, words.BADGES])
with menu_col:
    options = [words.BATCH_UNLOCK] + (
        [ADD_BADGE, ADD_QUEST, ARCHIVE_QUEST, ARCHIVE_BADGE] if is_admin else []
    )
    choice = st.menu_button(words.MORE_MENU, options, key="badges_menu", help="More actions")


@session.dialog(ADD_BADGE)
def add_badge_dialog() -> None:
    """Ask for a badge name and its quests, one per line."""
    name = st.text_input("Badge name")
    quests = st.text_area("Badge quests, one per line")
    if st.button(ADD_BADGE, type="primary"):
        badge_id = session.attempt(
            lambda: editing.add_badge(uow, session.account(), name, quests.splitlines())
        )
        if badge_id:
            st.toast(formatting.literal(f"Badge “{name.strip()}” added."))
            st.rerun()


@session.dialog(ADD_QUEST)
def add_quest_dialog(tree: dict[str, list[badge_tree.Quest]]) -> None:
    """Add a quest to an existing badge."""
    badges = {b: quests[0].badge_id for b, quests in tree.items()}
    badge = st.selectbox(words.BADGE, list(badges), filter_mode="contains")
    name = st.text_input("Quest name")
    if (
        st.button(ADD_QUEST, type="primary")
        and badge
        and session.attempt(lambda: editing.add_quest(uow, session.account(), badges[badge], name))
    ):
        st.toast(formatting.literal(f"Quest “{name.strip()}” added to {badge}."))
        st.rerun()


@session.dialog(ARCHIVE_QUEST)
def archive_dialog(all_quests: pl.DataFrame) -> None:
    """Archive a quest (no new batches can use it) or restore an archived one."""
    rows = all_quests.to_dicts()
    picked = st.selectbox(
        words.QUEST,
        rows,
        filter_mode="contains",
        format_func=lambda r: (
            f"{r['badge']} › {r['quest']}" + (" (archived)" if r["archived"] else "")
        ),
    )
    if picked is None:
        return
    action = "Restore" if picked["archived"] else "Archive"
    st.caption("Archived quests are not offered for new batches; existing batches keep them.")
    if st.button(action, type="primary"):
        done = session.attempt(
            lambda: (
                editing.set_quest_archived(
                    uow, session.account(), picked["id"], not picked["archived"]
                )
                or True
            )
        )
        if done:
            st.toast(formatting.literal(f"{action}d {picked['badge']} › {picked['quest']}."))
            st.rerun()


@session.dialog(ARCHIVE_BADGE)
def archive_badge_dialog() -> None:
    """Archive a badge (none of its quests can be used for new batches) or restore it."""
    rows = badge_tree.badges(uow).to_dicts()
    picked = st.selectbox(
        words.BADGE,
        rows,
        filter_mode="contains",
        format_func=lambda r: r["name"] + (" (archived)" if r["archived"] else ""),
    )
    if picked is None:
        return
    action = "Restore" if picked["archived"] else "Archive"
    st.caption("Existing batches keep their quests; new batches cannot use an archived badge.")
    if st.button(action, type="primary") and session.attempt(
        lambda: (
            editing.set_badge_archived(uow, session.account(), picked["id"], not picked["archived"])
            or True
        )
    ):
        st.toast(formatting.literal(f"{action}d {picked['name']}."))
        st.rerun()


all_quests = badge_tree.quests(uow)
if choice == words.BATCH_UNLOCK:
    st.switch_page(PAGES.get()["batch_list"])
elif choice == ADD_BADGE:
    add_badge_dialog()
elif choice == ADD_QUEST:
    add_quest_dialog(badge_tree.badge_tree(uow, include_archived=True))
elif choice == ARCHIVE_QUEST:
    archive_dialog(all_quests)
elif choice == ARCHIVE_BADGE:
    archive_badge_dialog()

badge_count = all_quests["badge_id"].n_unique()
m1, m2, m3 = st.columns(3)
m1.metric("Badges", badge_count)
m2.metric("Badge quests", all_quests.height)
m3.metric("Unlocks", f"{int(all_quests['unlocks'].sum()):,}")

search = st.text_input(
    "Search badges and quests", key="q", bind="query-params", placeholder="Type part of a name"
)
shown = all_quests
if search:
    needle = search.strip().lower()
    shown = all_quests.filter(
        pl.col("badge").str.to_lowercase().str.contains(needle, literal=True)
        | pl.col("quest").str.to_lowercase().str.contains(needle, literal=True)
    )

table = shown.select(
    pl.col("badge").alias(words.BADGE),
    pl.col("quest").alias(words.QUEST),
    pl.when(pl.col("archived")).then(pl.lit("Archived")).otherwise(pl.lit("Active")).alias("State"),
    pl.col("unlocks").alias("Users unlocked"),
    pl.col("id").alias("Quest ID"),
)
left, right = st.columns([3, 2])
with left:
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        # Counts grouped as the batch list's are (2,600); the quest's id stays plain.
        column_config={
            "Users unlocked": st.column_config.NumberColumn(format="localized"),
            "Quest ID": st.column_config.NumberColumn(format="plain"),
        },
    )
    st.download_button(
        "Export CSV",
        data=session.deferred(lambda _cur, _acct: to_csv_bytes(table, bom=True)),
        file_name="badges.csv",
        mime="text/csv",
        icon=":material/download:",
    )
with right:
    if shown.height:
        per_badge = (
            shown.group_by("badge").agg(pl.col("unlocks").sum()).sort("unlocks", descending=True)
        )
        st.vega_lite_chart(*batch_charts.unlocks_per_badge(per_badge), width="stretch")
    else:
        st.info("No badge or quest matches this search. Clear the search box to see them all.")
