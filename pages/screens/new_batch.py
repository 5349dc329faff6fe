"""New Batch: "Connect Badge and Users", add users (Multiple or Single), then "Publish".

The batch is a draft in the data file from the moment it has a name and a quest, and its id is in
the URL (?draft=ID): a refresh, a lost connection or a second tab loses nothing.
"""

from __future__ import annotations

import hashlib
import time

import streamlit as st

from core import words
from core.access.roles import Permission
from core.batches import (
    drafts,
    expected_state,
    guard,
    members,
    membership,
    names,
    quest_change,
    read_model,
    rules,
)
from core.catalog import badge_tree
from core.errors import BatchUnlockError, NotFound
from core.publishing import actions, publish_notes
from pages.ui import add_users, formatting, session, users_grid, widgets
from pages.ui.state import (
    DRAFT_REFUSAL,
    DRAFT_RESET,
    DRAFT_SHOWN,
    NEW_BATCH_QUEST,
    PAGES,
    PUBLISH_ASK,
    QUEST_CHANGE,
)

acct = session.page_requires(Permission.EDIT_BATCHES)
uow = session.unit_of_work()
pages = PAGES.get()
trail = [words.MANAGE, words.GAMIFICATION, words.BATCH_UNLOCK, words.NEW_BATCH]
# The users grid's columns on a draft (no status yet: nothing was unlocked).
DRAFT_COLUMNS = ("user_id", "username", "email", "added_via", "added_at")


def search_key(search: str | None) -> str:
    """A short stable tag of the search text, for the users grid's key."""
    return hashlib.sha256((search or "").encode()).hexdigest()[:8]


def refusal_text(exc: BatchUnlockError) -> str:
    """A core refusal for the page, with a stale-batch refusal's time in the viewer's zone."""
    if isinstance(exc, expected_state.Stale):
        return formatting.literal(exc.message(formatting.viewer_tz()))
    return formatting.literal(exc)


def refuse(exc: BatchUnlockError) -> None:
    """Show a write's refusal; for a batch changed meanwhile, redraw it as it is now, with it."""
    if isinstance(exc, expected_state.Stale) and batch is not None:
        # Drawn again from the current version: the stale inputs and selection go away.
        # Kept for a while, not for one run: a redrawn page may rerun on its own at once.
        until = time.monotonic() + session.FLASH_SECONDS
        DRAFT_REFUSAL[batch.id].set((refusal_text(exc), batch.version, until))
        redraw()
    st.error(refusal_text(exc))


def applied(expected: int) -> None:
    """Count a write of this tab, made on version `expected`, as seen: it added exactly one."""
    DRAFT_SHOWN[batch.id].set(expected + 1)
    DRAFT_RESET[batch.id].set(True)  # the Name field shows the stored name


@session.callback
def stop_asking(batch_id: int) -> None:
    """The confirmation was closed (Esc, ×, a click outside): nothing is published."""
    PUBLISH_ASK[batch_id].pop()


@session.callback
def open_draft(draft_id: int) -> None:
    """Put a draft's id in the URL (a refresh or a shared link opens it again)."""
    NEW_BATCH_QUEST.pop()
    st.query_params["draft"] = str(draft_id)


def confirm_publish(batch_id: int, version: int, typed: str) -> None:
    """The Publish confirmation: what is about to happen, in words, then Publish or Cancel."""

    @session.dialog("Publish this batch?", on_dismiss=lambda: stop_asking(batch_id))
    def ask() -> None:
        viewer, c = session.account(), session.unit_of_work()
        try:
            plan = publish_notes.preview_publish(c, viewer, batch_id)
        except BatchUnlockError as exc:
            st.error(refusal_text(exc))
            return
        # Our emphasis around the quest; the names themselves are shown exactly as written.
        st.markdown(
            f"Unlock *{formatting.literal(plan.badge)} › {formatting.literal(plan.quest)}* "
            f"for {plan.users_text}? {plan.undo_note}"
        )
        st.caption(f"Published as “{formatting.literal(names.normalize_name(typed))}”.")
        for col, (word, n) in zip(st.columns(4), plan.counts.items(), strict=True):
            col.metric(word, f"{n:,}")
        if plan.failing_note:
            st.warning(formatting.literal(plan.failing_note), icon=":material/warning:")
        yes, no = st.columns(2)
        if yes.button(
            words.PUBLISH, type="primary", key=f"publish_yes_{batch_id}", width="stretch"
        ):
            PUBLISH_ASK[batch_id].pop()
            try:
                # The name as typed is what gets published: renamed in the same transaction.
                outcome = actions.publish(c, viewer, batch_id, expected=version, name=typed)
            except expected_state.Stale as exc:
                until = time.monotonic() + session.FLASH_SECONDS
                DRAFT_REFUSAL[batch_id].set((refusal_text(exc), plan.version, until))
                # The whole page again: it sees that it drew an older version, so a draft is
                # drawn again as it is now (with this refusal), and a batch published meanwhile
                # says by whom and when.
                DRAFT_RESET[batch_id].set(True)
                st.rerun()
            except BatchUnlockError as exc:
                st.error(refusal_text(exc))
                return
            DRAFT_SHOWN[batch_id].pop()
            session.wake_publisher()
            session.flash(outcome.message)
            # The same query string as now, so this page's URL is not rewritten on the way out
            # (st.switch_page would otherwise leave a "/new-batch" entry behind): Back from the
            # list comes to this draft's link, which opens the published batch's page.
            st.switch_page(pages["batch_list"], query_params={"draft": str(batch_id)})
        if no.button("Cancel", key=f"publish_no_{batch_id}", width="stretch"):
            PUBLISH_ASK[batch_id].pop()
            st.rerun()

    ask()


def redraw() -> None:
    """Draw the draft again as it is now: its name from the store, a table with no selection."""
    DRAFT_SHOWN[batch.id].set(batch.version)
    DRAFT_RESET[batch.id].set(True)
    st.rerun()


batch = None
draft_param = st.query_params.get("draft")
# The version of the draft this tab drew last (None: not drawn in this session). Every write
# from this page expects it, so a click or an edit made on an older drawing (another tab changed
# the draft meanwhile) reaches the write, which refuses it in words; the page is then drawn
# again from the current version (the Name field reset, the users table keyed anew).
seen = DRAFT_SHOWN[draft_param].get() if draft_param else None
if draft_param:
    try:
        batch = read_model.get_batch(uow, int(draft_param), acct)
    except (ValueError, BatchUnlockError) as exc:
        session.header(words.NEW_BATCH, trail)
        if seen is not None and isinstance(exc, NotFound):
            # Deleted from another tab: say by whom and when.
            error = expected_state.gone(uow, int(draft_param), seen)
            st.error(refusal_text(error or exc))
        else:
            st.error(
                formatting.literal(exc)  # someone else's draft reads as no batch at all
                if isinstance(exc, BatchUnlockError)
                else "This link's draft id is not a number."
            )
        st.page_link(pages["new_batch"], label="Start a new batch", icon=":material/add:")
        st.stop()
    if not batch.is_draft:
        if seen is None:
            # Published already (opened from a link): its page is the batch detail.
            st.switch_page(pages["batch_detail"], query_params={"id": str(batch.id)})
        # This tab showed it as a draft, so what was just clicked was not applied: say why.
        session.header(words.NEW_BATCH, trail)
        try:
            guard.check_expected(uow, acct, batch.id, seen)
        except BatchUnlockError as exc:
            st.error(refusal_text(exc), icon=":material/sync_problem:")
        st.page_link(
            pages["batch_detail"],
            query_params={"id": str(batch.id)},
            label=f"Open “{formatting.literal(batch.name)}”",
            icon=":material/open_in_new:",
        )
        st.stop()

if batch is not None:
    seen = batch.version if seen is None else seen
    DRAFT_SHOWN[batch.id].set(batch.version)  # what this run draws
    pending_change = QUEST_CHANGE[batch.id].get()
    if pending_change is not None and pending_change.version != seen:
        pending_change = None  # asked on an older drawing: picking the quest again asks again
        QUEST_CHANGE[batch.id].pop()
    name_key = f"name_{batch.id}"
    if DRAFT_RESET[batch.id].pop() or name_key not in st.session_state:
        st.session_state[name_key] = batch.name  # before the field exists: no "value" clash
    # A new picker while a change waits for its answer: the old one (maybe open) goes away.
    picker_key = f"quest_{batch.id}" + ("_ask" if pending_change else "")
    # The name as typed: committed by Enter, or by leaving the field as Publish is clicked.
    typed_name = st.session_state[name_key]
    try:
        names.clean_name(typed_name)
        name_problem = None
    except BatchUnlockError as exc:
        name_problem = str(exc)
else:
    pending_change = None
    name_key, picker_key = f"name_{draft_param}", f"quest_{draft_param}"
    name_problem = "Enter a name and choose a badge quest first."

title_col, publish_col = st.columns([6, 1], vertical_alignment="bottom")
with title_col:
    session.header(words.NEW_BATCH, trail)
with publish_col:
    if st.button(
        words.PUBLISH,
        type="primary",
        disabled=name_problem is not None,
        width="stretch",
        key=f"publish_{batch.id}" if batch else None,
        help=name_problem or "Queue the batch: its users get the badge quest in the background.",
    ):
        # Asked first, on this drawing's version and the name as typed (see confirm_publish).
        PUBLISH_ASK[batch.id].set((seen, typed_name or ""))
asking = PUBLISH_ASK[batch.id].get() if batch is not None else None
if asking is not None:
    confirm_publish(batch.id, *asking)  # every full run while it waits, so it stays open

session.show_flash()
if batch is not None and (refusal := DRAFT_REFUSAL[batch.id].get()):
    text, version, until = refusal
    if version == batch.version and time.monotonic() < until:  # until the draft changes again
        st.error(text, icon=":material/sync_problem:")
    else:
        DRAFT_REFUSAL[batch.id].pop()
if batch is None:
    reopenable = read_model.list_drafts(uow, acct)
    if reopenable.height:
        with st.expander(f"Your drafts ({reopenable.height})", expanded=False):
            for row in reopenable.iter_rows(named=True):
                c1, c2 = st.columns([5, 1], vertical_alignment="center")
                # A button that puts ?draft=N in the URL: a link to this same page left the
                # address at /new-batch, so a refresh showed an empty form.
                c1.button(
                    f"{formatting.literal(row['name'])} · "
                    f"{formatting.literal(row['badge'])} › {formatting.literal(row['quest'])} · "
                    f"{row['n_users']:,} users · "
                    f"{formatting.when(formatting.local(row['updated_at']))}",
                    key=f"open_draft_{row['id']}",
                    type="tertiary",
                    icon=":material/edit_note:",
                    on_click=open_draft,
                    args=(row["id"],),
                )
                c2.caption(formatting.literal(row["created_by"]))

with st.container(border=True):
    st.subheader(words.CONNECT_BADGE_AND_USERS)
    name = st.text_input(
        words.NAME,
        value="",  # a draft's name is put in the field's state above (no clash: "" is no default)
        key=name_key,
        max_chars=names.MAX_NAME_LENGTH,
        placeholder="A name to find this batch again",
    )
    tree = badge_tree.badge_tree(uow)
    chosen_id = batch.quest_id if batch else NEW_BATCH_QUEST.get()
    chosen = next((q for qs in tree.values() for q in qs if q.id == chosen_id), None)
    if batch and chosen is None:
        st.warning(
            f"This draft's quest ({formatting.literal(batch.badge)} › "
            f"{formatting.literal(batch.quest)}) is archived. Choose another one."
        )
    picked = widgets.quest_picker(tree, chosen, key=picker_key)
    try:
        if batch is None:
            if picked:
                NEW_BATCH_QUEST.set(picked.id)
                st.rerun()
            if name.strip() and chosen:
                new_id = drafts.create_draft(uow, acct, name, chosen.id)
                NEW_BATCH_QUEST.pop()
                st.query_params["draft"] = str(new_id)
                st.rerun()
        else:
            if name_problem:
                st.error(formatting.literal(name_problem))
            # The same rule as the store's: a name differing only in whitespace is no change.
            elif asking is None and names.normalize_name(name) != names.normalize_name(
                batch.name
            ):  # while Publish asks, the typed name waits for it (it is published as typed)
                drafts.rename_draft(uow, acct, batch.id, name, expected=seen)
                applied(seen)
                st.rerun()
            if picked and picked.id != batch.quest_id:
                change = quest_change.preview_quest_change(uow, acct, batch.id, picked.id, seen)
                if change.removed:
                    QUEST_CHANGE[batch.id].set(change)  # ask first
                else:
                    quest_change.change_draft_quest(uow, acct, batch.id, picked.id, seen, [])
                    applied(seen)
                    session.flash(change.message)
                st.rerun()
    except BatchUnlockError as exc:
        refuse(exc)

    if pending_change is not None:
        with st.container(border=True):
            st.warning(formatting.literal(pending_change.warning), icon=":material/warning:")
            yes, no, _ = st.columns([3, 2, 3])
            n = len(pending_change.removed)
            if yes.button(
                f"Change the quest and remove {n:,} user{'s' if n != 1 else ''}",
                type="primary",
                key=f"confirm_quest_{batch.id}",
            ):
                QUEST_CHANGE[batch.id].pop()
                try:
                    quest_change.change_draft_quest(
                        uow,
                        acct,
                        batch.id,
                        pending_change.quest_id,
                        expected=pending_change.version,
                        expected_removed=pending_change.removed_ids,
                    )
                except BatchUnlockError as exc:
                    refuse(exc)
                else:
                    applied(pending_change.version)
                    session.flash(pending_change.message)
                    st.rerun()
            if no.button(
                f"Keep “{formatting.literal(batch.badge)} › {formatting.literal(batch.quest)}”",
                key=f"keep_quest_{batch.id}",
            ):
                QUEST_CHANGE[batch.id].pop()
                st.rerun()

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
    add_users.tools(uow, batch, key=f"add_{batch.id}")

st.subheader(f"Users ({batch.n_users:,} of {rules.MAX_USERS_PER_BATCH:,})")
if batch.n_users == 0:
    st.caption("No user yet. Publishing a batch with no user marks it “Published” at once.")
else:
    # A page of the users at a time, searched and sorted as a whole in SQL (as on the batch
    # page): a 5,000-user draft no longer sends every row on every run.
    # Its label says neither "Name" nor "Username": the fields above are found by those.
    search = st.text_input(
        "Search the users",
        key="user_search",
        bind="query-params",
        placeholder="Part of a username or an email",
    )
    try:
        sort_by, descending = users_grid.sort_in(st.query_params)
        shown = members.list_members(
            uow,
            acct,
            batch.id,
            members.MemberQuery(
                search=search or "",
                sort=sort_by,
                desc=descending,
                page=int(st.query_params.get("upage", 1) or 1),
            ),
        )
    except (ValueError, BatchUnlockError) as exc:
        st.error(formatting.literal(exc))
        st.caption("Remove usort, udesc or upage from the link, or open the draft again.")
        st.stop()
    selected: list[int] = []
    if shown.total == 0:
        st.caption("No user matches.")
    else:
        selected = users_grid.users_grid(
            shown.rows,
            sort_by,
            descending,
            fields=DRAFT_COLUMNS,
            # A new version, page or search, a new table: no stale selection.
            key=f"users_{batch.id}_v{seen}_p{shown.page}_{search_key(search)}",
            select_rows=True,
        )
        users_grid.pager_and_total(shown.pages, shown.page, shown.total)
    if st.button(
        f"Remove {words.count(len(selected), 'selected user')}"
        if selected
        else "Remove selected users",
        disabled=not selected,
        key=f"remove_{batch.id}",
    ):
        picked_ids = [int(shown.rows["user_id"][i]) for i in selected]
        try:
            removed = membership.remove_users(uow, acct, batch.id, picked_ids, seen)
        except BatchUnlockError as exc:  # the error stays on screen, and the selection
            refuse(exc)
        else:
            applied(seen)
            session.flash(f"{removed:,} user{'s' if removed != 1 else ''} removed from the draft.")
            st.rerun()
    st.download_button(
        "Export users CSV",
        data=session.deferred(lambda c, a: members.members_csv(c, a, batch.id)),
        file_name=f"batch_{batch.id}_users.csv",
        mime="text/csv",
        icon=":material/download:",
        help="Every user of the draft, not only the page shown.",
    )

with st.expander("Delete this draft"):
    st.write("The draft and its list of users are deleted; nothing was unlocked yet.")
    if st.button("Delete draft", key=f"delete_{batch.id}", type="secondary"):
        try:
            drafts.delete_draft(uow, acct, batch.id, expected=seen)
        except BatchUnlockError as exc:
            refuse(exc)
        else:
            DRAFT_SHOWN[batch.id].pop()
            session.flash(f"Draft “{batch.name}” deleted.")
            st.switch_page(pages["batch_list"])

if seen != batch.version:
    # Drawn from an older version (another tab changed the draft) and nothing here was refused:
    # draw it again from the current one, so the next edit is not made on stale inputs.
    redraw()
