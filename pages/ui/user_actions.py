"""The Users page's actions on the matching users: the two exports (built on click, for the
account logged in then) and "Add to batch": a new draft, or an existing draft or Published batch,
through the upload's rules; more than a batch holds is refused whole, with an offer to split."""

from __future__ import annotations

from urllib.parse import parse_qs

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import words
from core.access.roles import Permission, require
from core.batches import read_model, rules
from core.batches.add_file import AddResult
from core.catalog.badge_tree import Quest
from core.errors import BatchUnlockError, PermissionDenied
from core.history.listing import list_batches
from core.history.terms import FILTER_CODES
from core.history.view import BatchFilter
from core.segments import from_users, segment, user_chips, user_url
from core.segments.user_filter import UserFilter
from pages.ui import formatting, session, user_filters, widgets
from pages.ui.state import (
    PAGES,
    USERS_ADD_ASK,
    USERS_ADD_COUNT,
    USERS_ADD_DONE,
    USERS_ADD_QUEST,
    USERS_ADD_REFUSAL,
)

# The batches users can be added to, as the batch list's status filter names them.
ADDABLE = tuple(s for s in rules.ADDABLE_STATUSES if s in FILTER_CODES)
BATCHES_SHOWN = 20  # matches of a typed name offered at once; type more to narrow them
TARGETS = {"new": words.TO_A_NEW_DRAFT, "existing": words.TO_AN_EXISTING_BATCH}


def exports(f: UserFilter, total: int, tz: str) -> None:
    """ "Export for batch upload" (the template) and "Export all columns", as the grid shows them.

    The filter is bound now: the file is built later, on a worker thread with no URL to read,
    for the account logged in at the click (session.deferred).
    """
    too_many = total > segment.MAX_EXPORT_ROWS
    # The page counts no further than the bound: core's sentence for "more than" it.
    why = segment.export_refusal() if too_many else None
    qs = user_url.to_query_string(f)
    c1, c2, _ = st.columns([1, 1, 2])
    c1.download_button(
        words.EXPORT_FOR_UPLOAD,
        data=session.deferred(lambda c, a, f=f: segment.export_template(c, a, f, tz)),
        file_name=segment.export_name(f, "template", tz=tz),  # the viewer's day
        mime="text/csv",
        icon=":material/download:",
        disabled=too_many,
        help=why or words.EXPORT_FOR_UPLOAD_HELP,
        key=f"users_export_template_{qs}",
        on_click="ignore",
    )
    c2.download_button(
        words.EXPORT_ALL_COLUMNS,
        data=session.deferred(lambda c, a, f=f: segment.export_all(c, a, f, tz)),
        file_name=segment.export_name(f, "all", tz=tz),  # the viewer's day
        mime="text/csv",
        icon=":material/table_view:",
        disabled=too_many,
        help=why or words.EXPORT_ALL_HELP,
        key=f"users_export_all_{qs}",
        on_click="ignore",
    )


def add_dialog_if_asked(tz: str, tree: dict[str, list[Quest]]) -> None:
    """Open "Add to batch" while it is asked for (every full run until it is closed)."""
    asked = USERS_ADD_ASK.get()
    if asked is not None:
        _dialog(asked, tz, tree)


def _close() -> None:
    for slot in (
        USERS_ADD_ASK,
        USERS_ADD_COUNT,
        USERS_ADD_QUEST,
        USERS_ADD_REFUSAL,
        USERS_ADD_DONE,
    ):
        slot.pop()


@session.callback
def close_and_rerun() -> None:
    """The dialog's "Close": forget it, then the page is drawn again (counts may have moved)."""
    _close()


def _rerun_dialog() -> None:
    """Draw the dialog again: alone in its own run, with the page in a full run (it reopens)."""
    ctx = get_script_run_ctx()
    st.rerun(scope="fragment" if ctx is not None and ctx.fragment_ids_this_run else "app")


def _filter_of(query: str) -> UserFilter:
    return user_url.parse_query_params(parse_qs(query, keep_blank_values=False))[0]


def _dialog(query: str, tz: str, tree: dict[str, list[Quest]]) -> None:
    @session.dialog(words.ADD_TO_BATCH, width="large", on_dismiss=session.callback(_close))
    def ask() -> None:
        viewer = session.account()
        try:
            require(viewer, Permission.EDIT_BATCHES)
        except PermissionDenied as exc:
            st.error(formatting.literal(exc), icon=":material/lock:")
            return
        done = USERS_ADD_DONE.get()
        if done:
            _report(done)
            return
        f = _filter_of(query)
        n = _count(query, f, tz)
        if n is None:
            return
        names = user_filters.quest_names(tree)
        described = formatting.literal(user_chips.describe(f, names))
        st.markdown(words.USERS_MATCH.format(count=segment.users_said(n), described=described))
        if n == 0:
            st.info(words.NO_USER_TO_ADD)
            return
        target = st.radio(
            words.ADD_THEM_TO,
            list(TARGETS),
            format_func=TARGETS.get,
            horizontal=True,
            key="users_add_target",
            on_change=session.callback(USERS_ADD_REFUSAL.pop),
        )
        if target == "new":
            _to_new_draft(f, n, tz, tree)
        else:
            _to_existing(f, n, tz)

    ask()


def _count(query: str, f: UserFilter, tz: str) -> int | None:
    """How many users the filter matches, counted once per opening of the dialog."""
    kept = USERS_ADD_COUNT.get()
    if kept is not None and kept[0] == query:
        return kept[1]
    viewer, c = session.account(), session.unit_of_work()
    n = session.attempt(
        lambda: segment.count_users(c, viewer, f, tz, up_to=segment.MAX_EXPORT_ROWS)
    )
    if n is not None:
        USERS_ADD_COUNT.set((query, n))
    return n


def _to_new_draft(f: UserFilter, n: int, tz: str, tree: dict[str, list[Quest]]) -> None:
    viewer, c = session.account(), session.unit_of_work()
    name = st.text_input(words.NAME, key="users_add_name", max_chars=120)
    usable = {b: [q for q in qs if not q.archived] for b, qs in tree.items()}
    usable = {b: qs for b, qs in usable.items() if qs}
    chosen_id = USERS_ADD_QUEST.get()
    chosen = next((q for qs in usable.values() for q in qs if q.id == chosen_id), None)
    picked = widgets.quest_picker(usable, chosen, key="users_add_picker")
    if picked is not None:
        USERS_ADD_QUEST.set(picked.id)
        _rerun_dialog()  # the dropdown's button names the quest now
    ready = bool((name or "").strip()) and chosen is not None
    if not ready:
        st.caption(words.NAME_AND_QUEST_FIRST.format(add=words.ADD))
    if st.button(
        words.ADD_TO_NEW_DRAFT.format(add=words.ADD, count=segment.users_said(n)),
        type="primary",
        key="users_add_new",
        disabled=not ready,
    ):
        USERS_ADD_REFUSAL.pop()
        try:
            result = from_users.create_from_users(c, viewer, name, chosen.id, f, tz)
        except from_users.TooManyUsers as exc:
            USERS_ADD_REFUSAL.set((str(exc), exc.drafts, exc.can_split))
        except BatchUnlockError as exc:
            st.error(formatting.literal(exc))
            return
        else:
            _done([result])
            return
    refusal = USERS_ADD_REFUSAL.get()
    if refusal is not None:
        _split_offer(refusal, f, tz, name or "", chosen.id if chosen else None)


def _split_offer(
    refusal: tuple[str, int, bool],
    f: UserFilter,
    tz: str,
    name: str | None,
    quest_id: int | None,
) -> None:
    """Core's refusal and, when it allows one, "Split into N drafts" of the quest (new drafts
    named after `name`, users in ID order); a name of None is asked for here (the split
    from an existing batch); no name or quest yet: the button waits for them."""
    message, drafts, splits = refusal
    st.error(formatting.literal(message))
    if not splits:
        return
    if name is None:
        name = st.text_input(words.SPLIT_NAME, key="users_add_split_name", max_chars=120)
        if not (name or "").strip():
            st.caption(words.SPLIT_NAME_FIRST)
    name = (name or "").strip()
    ready = bool(name) and quest_id is not None
    one = drafts == 1  # the batch is too full, but a new draft holds them all
    shown = formatting.literal(name)  # the help is markdown: the typed name as typed
    if st.button(
        words.SPLIT_INTO_ONE_DRAFT if one else words.SPLIT_INTO_DRAFTS.format(n=drafts),
        key="users_add_split",
        icon=":material/call_split:",
        disabled=not ready,
        help=words.SPLIT_ONE_HELP.format(name=shown)
        if one
        else words.SPLIT_HELP.format(n=drafts, name=shown, limit=rules.MAX_USERS_PER_BATCH),
    ):
        viewer, c = session.account(), session.unit_of_work()
        made = session.attempt(
            lambda: from_users.split_into_drafts(c, viewer, name, quest_id, f, tz)
        )
        if made is not None:
            USERS_ADD_REFUSAL.pop()
            _done(made)


def _to_existing(f: UserFilter, n: int, tz: str) -> None:
    viewer, c = session.account(), session.unit_of_work()
    typed = st.text_input(
        words.FIND_BATCH,
        key="users_add_find",
        placeholder=words.FIND_BATCH_HINT,
        help=words.FIND_BATCH_HELP,
        on_change=session.callback(USERS_ADD_REFUSAL.pop),  # a refusal of another batch
    )
    batch = _find_batch(typed, tz)
    if batch is None:
        return
    st.markdown(
        " · ".join(
            (
                words.NAMED_BATCH.format(name=formatting.literal(batch.name), batch_id=batch.id),
                f"{formatting.literal(batch.badge)} › {formatting.literal(batch.quest)}",
                batch.status_label,
                words.count(batch.n_users, "user"),
            )
        )
    )
    if batch.status not in rules.ADDABLE_STATUSES:
        st.warning(words.NOT_ADDABLE_NOW.format(status=batch.status_label))
        return
    if st.button(
        words.ADD_TO_BATCH_N.format(add=words.ADD, count=segment.users_said(n), batch_id=batch.id),
        type="primary",
        key="users_add_existing",
    ):
        USERS_ADD_REFUSAL.pop()
        try:
            # expected: the version shown above, so a batch changed meanwhile adds nothing.
            result = from_users.add_matching(c, viewer, batch.id, f, tz, expected=batch.version)
        except from_users.TooManyUsers as exc:
            USERS_ADD_REFUSAL.set((str(exc), exc.drafts, exc.can_split))
        except BatchUnlockError as exc:
            st.error(formatting.literal(exc))
            return
        else:
            session.wake_publisher()  # a Published batch was queued again
            _done([result])
            return
    refusal = USERS_ADD_REFUSAL.get()
    if refusal is not None:
        # New drafts for the batch's quest, without the users this batch already holds.
        keep = f.not_in_batch is not None or f.in_batch == batch.id
        rest = f if keep else f.changed(not_in_batch=batch.id)
        _split_offer(refusal, rest, tz, None, batch.quest_id)


def _find_batch(typed: str | None, tz: str) -> read_model.Batch | None:
    """The batch a typed ID names, or the one chosen among the batches a typed name matches."""
    viewer, c = session.account(), session.unit_of_work()
    text = (typed or "").strip().lstrip("#")
    if not text:
        return None
    if text.isdigit():
        return session.attempt(lambda: read_model.get_batch(c, int(text), viewer))
    found = session.attempt(
        lambda: list_batches(
            c,
            viewer,
            BatchFilter(
                statuses=ADDABLE, name=text[:200], sort="updated_at", page_size=BATCHES_SHOWN
            ),
            tz,
        )
    )
    if found is None:
        return None
    if found.total == 0:
        st.caption(words.NO_BATCH_NAMED)
        return None
    labels = {
        int(i): f"{i} · {name} · {status}"
        for i, name, status in zip(
            found.rows["id"], found.rows["name"], found.rows["status_label"], strict=True
        )
    }
    if found.total > BATCHES_SHOWN:
        st.caption(words.BATCHES_LISTED.format(n=found.total, shown=BATCHES_SHOWN))
    # Options are plain text (never markdown), so names show as written.
    chosen = st.selectbox(
        words.BATCH_COLUMN, list(labels), format_func=labels.get, key="users_add_pick"
    )
    if chosen is None:
        return None
    return session.attempt(lambda: read_model.get_batch(c, int(chosen), viewer))


def _done(results: list[AddResult]) -> None:
    """Keep core's report(s) with their batches, and show them in place of the form."""
    viewer, c = session.account(), session.unit_of_work()
    kept: list[tuple[int, str, str]] = []
    for r in results:
        try:
            name = read_model.get_batch(c, r.batch_id, viewer).name
        except BatchUnlockError:
            name = words.BATCH_N.format(batch_id=r.batch_id)
        kept.append((r.batch_id, name, r.message))
    USERS_ADD_DONE.set(kept)
    _rerun_dialog()


def _report(done: list[tuple[int, str, str]]) -> None:
    """What was added where: core's sentence per batch, and a link to each batch."""
    pages = PAGES.get() or {}
    if len(done) > 1:
        st.success(words.DRAFTS_MADE.format(n=len(done)), icon=":material/check_circle:")
    for batch_id, name, message in done:
        with st.container(border=True):
            st.markdown(words.NAMED_BATCH.format(name=formatting.literal(name), batch_id=batch_id))
            st.caption(formatting.literal(message))
            if "batch_detail" in pages:
                st.page_link(
                    pages["batch_detail"],
                    label=words.OPEN_NAMED.format(name=formatting.literal(name)),
                    icon=":material/open_in_new:",
                    query_params={"id": str(batch_id)},
                )
    st.button(words.CLOSE, key="users_add_close", on_click=close_and_rerun)
