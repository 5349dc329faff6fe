"""Widgets Streamlit lacks, shared by several screens: badge → quest tree pickers, the template."""

from __future__ import annotations

import streamlit as st

from core import words
from core.catalog.badge_tree import Quest
from core.upload import template
from pages.ui import session
from pages.ui.formatting import literal
from pages.ui.state import TREE_CHECKED

# Beside a badge some of whose quests (not all) are checked.
SOME_QUESTS = "some quests"


def _matches(needle: str, badge: str, quest: str) -> bool:
    needle = needle.strip().lower()
    return not needle or needle in badge.lower() or needle in quest.lower()


def quest_picker(tree: dict[str, list[Quest]], selected: Quest | None, key: str) -> Quest | None:
    """A searchable "Badge" dropdown: badges expand to their quests; only a quest can be chosen.

    Returns the quest clicked in this run, or None when nothing new was chosen.
    """
    title = (
        f"{literal(selected.badge)} › {literal(selected.name)}"
        if selected
        else "Select a badge quest"
    )
    chosen: Quest | None = None
    # Drawn only while open (its buttons and expanders were 130 of the New Batch page's 173
    # messages, sent on every run of the page); opening it reruns the page to draw them.
    popover = st.popover(
        f"{words.BADGE}: {title}", width="stretch", key=f"{key}_popover", on_change="rerun"
    )
    with popover:
        if not popover.open:
            return None
        needle = st.text_input(
            "Search badges and quests", key=f"{key}_search", placeholder="Type part of a name"
        )
        shown = 0
        for badge, quests in tree.items():
            visible = [q for q in quests if _matches(needle, badge, q.name)]
            if not visible:
                continue
            shown += 1
            with st.expander(
                literal(badge),
                expanded=bool(needle) or (selected is not None and selected.badge == badge),
            ):
                for q in visible:
                    current = selected is not None and q.id == selected.id
                    if st.button(
                        literal(q.name),
                        key=f"{key}_q{q.id}",
                        type="primary" if current else "tertiary",
                        icon=":material/check:" if current else None,
                    ):
                        chosen = q
        if not shown:
            st.caption("No badge or quest matches. Clear the search to see them all.")
    return chosen


def quest_tree_filter(tree: dict[str, list[Quest]], checked: set[int], key: str) -> set[int]:
    """The "Badge" filter: a checkbox per badge (checks all its quests) and per quest.

    Returns the quest ids checked now; the caller applies them when "Search" is pressed.
    """
    current = TREE_CHECKED[key].get()
    if current is None:
        # The stored set itself, not a copy (nor `or set()` for an empty one): the callbacks
        # below change it in place between runs.
        current = set(checked)
        TREE_CHECKED[key].set(current)

    @session.callback
    def toggle_badge(quest_ids: list[int], widget: str) -> None:
        if st.session_state[widget]:
            current.update(quest_ids)
        else:
            current.difference_update(quest_ids)

    @session.callback
    def toggle_quest(quest_id: int, widget: str) -> None:
        if st.session_state[widget]:
            current.add(quest_id)
        else:
            current.discard(quest_id)

    # Opened on demand: a closed popover draws none of its checkboxes (several hundred elements
    # with a big catalog), so it costs nothing on the page's other runs. Its label never changes:
    # the label is part of its identity, and a new identity would close it at every tick.
    popover = st.popover(words.BADGE, width="stretch", key=f"{key}_popover", on_change="rerun")
    with popover:
        if not popover.open:
            return set(current)
        count = len(current)
        st.caption(
            f"{count} quest{'s' if count != 1 else ''} checked; press “{words.SEARCH}” to apply."
            if count
            else f"Check a badge (all its quests) or single quests, then press “{words.SEARCH}”."
        )
        for badge, quests in tree.items():
            ids = [q.id for q in quests]
            all_checked = all(i in current for i in ids)
            some_checked = any(i in current for i in ids)
            # One row that never wraps: columns stack on a narrow screen, which put the box
            # above its badge instead of beside it.
            row = st.container(horizontal=True, wrap=False, vertical_alignment="top", gap="small")
            badge_widget = f"{key}_b{quests[0].badge_id}_{int(all_checked)}"
            row.checkbox(
                literal(badge),
                value=all_checked,
                key=badge_widget,
                label_visibility="collapsed",
                on_change=toggle_badge,
                args=(ids, badge_widget),
            )
            # Its quests are drawn only while it is open (most of the tree's elements, sent on
            # every opening of the popover). Its label and first state are its identity, so
            # neither follows the ticks: it opens on the badges the view filters by, and the
            # "some quests" mark sits beside it.
            badge_box = row.expander(
                literal(badge),
                expanded=any(i in checked for i in ids),
                key=f"{key}_x{quests[0].badge_id}",
                on_change="rerun",
            )
            if some_checked and not all_checked:
                row.caption(SOME_QUESTS, width="content")
            if not badge_box.open:
                continue
            with badge_box:
                for q in quests:
                    widget = f"{key}_q{q.id}_{int(q.id in current)}"
                    st.checkbox(
                        literal(q.name) + (" (archived)" if q.archived else ""),
                        value=q.id in current,
                        key=widget,
                        on_change=toggle_quest,
                        args=(q.id, widget),
                    )
    return set(current)


def template_download(key: str | None = None) -> None:
    """The "Download the template" button of every dialog that takes a file of users."""
    st.download_button(
        words.DOWNLOAD_THE_TEMPLATE,
        data=template.template_csv(),
        file_name="batch_unlock_template.csv",
        mime="text/csv",
        type="tertiary",
        icon=":material/description:",
        help="A semicolon-separated file: if your spreadsheet asks, choose “;” as separator.",
        key=key,
    )
