"""New Batch: "Connect Badge and Users", add users (Multiple or Single), then "Publish".

The batch is a draft in the data file from the moment it has a name and a quest, and its id is in
the URL (?draft=ID): a refresh, a lost connection or a second tab loses nothing.
"""

from __future__ import annotations

import streamlit as st

from core import batch_members, batches, catalog, labels, publisher
from core.errors import BatchUnlockError
from core.roles import Permission
from pages.ui import add_users, formatting, session, widgets

acct = session.page_requires(Permission.EDIT_BATCHES)
cur = session.cursor()
pages = st.session_state["pages"]
trail = [labels.MANAGE, labels.GAMIFICATION, labels.BATCH_UNLOCK, labels.NEW_BATCH]

batch = None
draft_param = st.query_params.get("draft")
if draft_param:
    try:
        batch = batches.get_batch(cur, int(draft_param), acct)
    except (ValueError, BatchUnlockError) as exc:
        session.header(labels.NEW_BATCH, trail)
        st.error(
            f"This link's draft cannot be opened: {exc}"
            if isinstance(exc, BatchUnlockError)
            else "This link's draft id is not a number."
        )
        st.page_link(pages["new_batch"], label="Start a new batch", icon=":material/add:")
        st.stop()
    if not batch.is_draft:
        # Published already (perhaps from another tab): its page is the batch detail.
        st.switch_page(pages["batch_detail"], query_params={"id": str(batch.id)})

title_col, publish_col = st.columns([6, 1], vertical_alignment="bottom")
with title_col:
    session.header(labels.NEW_BATCH, trail)
with publish_col:
    if st.button(
        labels.PUBLISH,
        type="primary",
        disabled=batch is None,
        width="stretch",
        help="Queue the batch: its users get the badge quest in the background.",
    ):
        try:
            outcome = publisher.publish(cur, acct, batch.id)
        except BatchUnlockError as exc:
            st.error(formatting.md(exc))
        else:
            session.wake_publisher()
            session.flash(outcome.message)
            st.switch_page(pages["batch_list"])

session.show_flash()
if batch is None:
    drafts = batches.list_drafts(cur, acct)
    if drafts.height:
        with st.expander(f"Your drafts ({drafts.height})", expanded=False):
            for row in drafts.iter_rows(named=True):
                c1, c2 = st.columns([5, 1], vertical_alignment="center")
                c1.page_link(
                    pages["new_batch"],
                    query_params={"draft": str(row["id"])},
                    label=f"{row['name']} · {row['badge']} › {row['quest']} · "
                    f"{row['n_users']:,} users · {formatting.when(row['updated_at'])}",
                )
                c2.caption(row["created_by"])

with st.container(border=True):
    st.subheader(labels.CONNECT_BADGE_AND_USERS)
    name = st.text_input(
        labels.NAME,
        value=batch.name if batch else "",
        key=f"name_{draft_param}",
        max_chars=batches.MAX_NAME_LENGTH,
        placeholder="A name to find this batch again",
    )
    tree = catalog.badge_tree(cur)
    chosen_id = batch.quest_id if batch else st.session_state.get("new_batch_quest")
    chosen = next((q for qs in tree.values() for q in qs if q.id == chosen_id), None)
    if batch and chosen is None:
        st.warning(
            f"This draft's quest ({batch.badge} › {batch.quest}) is archived. Choose another one."
        )
    picked = widgets.quest_picker(tree, chosen, key=f"quest_{draft_param}")
    try:
        if batch is None:
            if picked:
                st.session_state["new_batch_quest"] = picked.id
                st.rerun()
            if name.strip() and chosen:
                new_id = batches.create_draft(cur, acct, name, chosen.id)
                st.session_state.pop("new_batch_quest", None)
                st.query_params["draft"] = str(new_id)
                st.rerun()
        else:
            if not name.strip():
                st.error("A batch needs a name: type one to find this batch again.")
            elif name.strip() != batch.name:
                batches.rename_draft(cur, acct, batch.id, name)
                st.rerun()
            if picked and picked.id != batch.quest_id:
                batches.change_draft_quest(cur, acct, batch.id, picked.id)
                st.rerun()
    except BatchUnlockError as exc:
        st.error(formatting.md(exc))

    if batch is None:
        st.info(
            "Enter a name and choose a badge quest: the batch is then saved as a draft, and "
            "you can add its users."
        )
        st.stop()
    st.caption(
        f"Draft saved · {formatting.when(formatting.local(batch.updated_at))} · "
        "only you and admins see it"
    )
    add_users.tools(cur, acct, batch, key=f"add_{batch.id}")

users = batch_members.all_members(cur, acct, batch.id)
st.subheader(f"Users ({users.height:,} of {labels.MAX_USERS_PER_BATCH:,})")
if users.height == 0:
    st.caption("No user yet. Publishing a batch with no user marks it “Published” at once.")
else:
    table = add_users.users_table(users, with_status=False)
    picked_rows = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="multi-row",
        key=f"users_{batch.id}_{st.session_state.get('removals', 0)}",
        height=min(36 * (table.height + 1) + 3, 420),
    )
    selected = picked_rows.selection.rows if picked_rows else []
    if st.button(
        f"Remove {len(selected)} selected user{'s' if len(selected) != 1 else ''}",
        disabled=not selected,
        key="remove_users",
    ):
        picked_ids = [int(table[labels.USER_ID][i]) for i in selected]
        removed = session.attempt(lambda: batches.remove_users(cur, acct, batch.id, picked_ids))
        if removed is not None:  # otherwise the error stays on screen, and the selection
            session.flash(f"{removed:,} user{'s' if removed != 1 else ''} removed from the draft.")
            st.session_state["removals"] = st.session_state.get("removals", 0) + 1
            st.rerun()

with st.expander("Delete this draft"):
    st.write("The draft and its list of users are deleted; nothing was unlocked yet.")
    if st.button("Delete draft", key="delete_draft", type="secondary") and session.attempt(
        lambda: batches.delete_draft(cur, acct, batch.id) or True
    ):
        session.flash(f"Draft “{batch.name}” deleted.")
        st.switch_page(pages["batch_list"])
