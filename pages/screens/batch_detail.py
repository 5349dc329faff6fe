"""A batch: its status and counts, its users with their statuses, adding users, retry, undo
(cancel, pause and resume, revoke), exports."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import audit, words
from core.access.roles import Permission
from core.batches import members as batch_members
from core.batches import membership, read_model, rules
from core.errors import BatchUnlockError
from core.history import audit_sentences, url
from core.publishing import publish_notes, queue, retry
from pages.ui import (
    add_users,
    back_links,
    formatting,
    live,
    publisher_stall,
    revoke_dialog,
    session,
    text_width,
    undo_actions,
    users_grid,
)
from pages.ui.state import DETAIL_POLL, DETAIL_SEEN_RUNNING, PAGES

acct = session.account()
uow = session.unit_of_work()
pages = PAGES.get()
can_edit = acct.can(Permission.EDIT_BATCHES)
trail = [words.MANAGE, words.GAMIFICATION, words.BATCH_UNLOCK]
# The publisher has work for the batch: waiting, running or revoking (paused too: it may resume).
LIVE_STATUSES = (*rules.PENDING_STATUSES, rules.REVOKING)


def back_to_list() -> None:
    """The link back to the list, with the filters, sort and page it was opened from."""
    back_links.back_link(pages["batch_list"], words.BATCH_UNLOCK, url.back_params)


try:
    batch_id = int(st.query_params.get("id", ""))
    batch = read_model.get_batch(uow, batch_id, acct)
except (ValueError, BatchUnlockError) as exc:
    session.header("Batch", trail)
    st.error(
        formatting.literal(exc)  # someone else's draft reads as no batch at all
        if isinstance(exc, BatchUnlockError)
        else "This link has no batch id (…/batch?id=42). Open a batch from the list."
    )
    back_to_list()
    st.stop()

if batch.is_draft and can_edit:
    st.switch_page(pages["new_batch"], query_params={"draft": str(batch.id)})

session.header(batch.name, [*trail, batch.name])
back_to_list()
session.show_flash()


# The poll follows the read above, so a page opened on a running batch polls from its first
# run: set by the fragment alone, it flipped there, and each opening cost a second full run.
DETAIL_POLL[batch_id].set("1s" if batch.status in LIVE_STATUSES else None)


@session.fragment(run_every=DETAIL_POLL[batch_id].get())
def overview() -> None:
    """Status, progress, counts, undo buttons; polls while queued, running or revoking."""
    # Drawn with the page, it shows the batch the page just read; on its own, it reads again.
    current = live.batch(uow, batch_id, session.account()) if live.is_timer_run() else batch
    running = current.status in LIVE_STATUSES
    poll = "1s" if running else None
    if poll != DETAIL_POLL[batch_id].get():
        DETAIL_POLL[batch_id].set(poll)
        st.rerun()
    if not running and DETAIL_SEEN_RUNNING[batch_id].get():
        DETAIL_SEEN_RUNNING[batch_id].pop()
        st.rerun()  # finished while we watched: refresh the users and the add tools
    if running:
        DETAIL_SEEN_RUNNING[batch_id].set(True)
    info, status_col = st.columns([3, 2])
    with info:
        st.markdown(
            f"**{words.BADGE}:** {formatting.literal(current.badge)} › "
            f"{formatting.literal(current.quest)}  \n"
            f"**Created by:** {formatting.literal(current.created_by)} · "
            f"{formatting.when(formatting.local(current.created_at))}  \n"
            f"**{words.LAST_UPDATED}:** {formatting.when(formatting.local(current.updated_at))}"
        )
    with status_col:
        st.markdown(f"**{words.STATUS}**")
        undo_actions.status(uow, current)  # the word ("· Paused" too), who paused, the bar
        if current.status == rules.UNPUBLISHED:
            place = live.queue_position(uow, current.id)
            if place:
                st.caption(f"{queue.ordinal(place)} in the publishing queue")
    if running:
        publisher_stall.show_stall()  # else a stalled batch would just sit at its percentage
    undo_actions.counters(current)
    if undo_actions.may_undo(session.account()):
        undo_actions.buttons(current)  # live: "Pause" while it runs, "Revoke" once finished
    if current.status == rules.REVOKING:  # users move Revoking → Revoked, not Unpublished → …
        st.caption(undo_actions.revoke_note(live.rate(uow)))
    elif current.status != rules.DRAFT:
        # The worker commits a chunk at once: say so, or "In Progress 0" would look wrong.
        st.caption(publish_notes.chunk_note(live.rate(uow)))
    if current.n_error:
        reasons = live.error_reasons(uow, current.id)
        st.caption(
            "Errors: " + "; ".join(f"{formatting.literal(why)} ({n:,})" for why, n in reasons)
        )


overview()
if can_edit:  # a confirmation a button asked for (at most one is asked at a time)
    undo_actions.confirm(batch)
    revoke_dialog.open_if_asked(batch)


@session.fragment(run_every=DETAIL_POLL[batch_id].get())
def adding_refused() -> None:
    """Why users cannot be added now, with the live status ("This batch is “In Progress (6%)”")."""
    current = live.batch(uow, batch_id, session.account())
    if current.status in rules.ADDABLE_STATUSES:
        st.rerun()  # finished meanwhile: the whole page, with the add tools
    st.radio(
        words.UPLOAD_TYPE,
        [words.MULTIPLE, words.SINGLE],
        horizontal=True,
        disabled=True,
        key="add_disabled",
    )
    st.caption(f"{membership.add_refusal()} This batch is “{current.status_label}”.")


# Any finished batch with users in "Error" (a revoke leaves its errors where they were).
retry_offered = can_edit and retry.offers_retry(batch)
# Only the errors that can go away are retried: who would fail again (e.g. still deactivated)
# is counted first and left in "Error", so a retry never just moves "Last updated".
plan = retry.retry_plan(uow, batch.id) if retry_offered else None
if plan is not None and plan.failing:
    st.caption(formatting.literal(plan.message))
if plan is not None and st.button(
    words.RETRY_ERRORS,
    icon=":material/replay:",
    disabled=not plan.retryable,
    help=formatting.literal(plan.message)
    if not plan.retryable
    else "Queue the users in “Error” again whose error has gone away (e.g. reactivated).",
):
    requeued = session.attempt(
        lambda: retry.retry_errors(uow, acct, batch.id, expected=batch.version, only_retryable=True)
    )
    if requeued is not None:
        session.wake_publisher()
        left = (
            f" {plan.n_failing:,} who would fail again stay in “{words.ERROR}”."
            if plan.failing
            else ""
        )
        session.flash(f"{requeued:,} users in “{words.ERROR}” queued again.{left}")
        st.rerun()

if can_edit:
    with st.container(border=True):
        st.markdown("**Add users**")
        if batch.status in rules.ADDABLE_STATUSES:
            add_users.tools(uow, batch, key=f"detail_{batch.id}")
        else:
            adding_refused()
        # The last upload's rows not added stay downloadable while the batch is queued again.
        add_users.not_added_download(f"detail_{batch.id}")

st.subheader(f"Users ({batch.n_users:,})")
f1, f2 = st.columns([3, 2])
search = f1.text_input("Search by username or email", key="user_search", bind="query-params")
status_words = {"": "Any status", **words.USER_STATUS}
status = f2.selectbox(
    words.STATUS,
    list(status_words),
    format_func=status_words.get,
    key="user_status",
    bind="query-params",
)
try:
    sort_by, descending = users_grid.sort_in(st.query_params)
    query = batch_members.MemberQuery(
        search=search or "",
        status=status or None,
        sort=sort_by,
        desc=descending,
        page=int(st.query_params.get("upage", 1) or 1),
    )
    members = batch_members.list_members(uow, acct, batch.id, query)
except (ValueError, BatchUnlockError) as exc:
    st.error(formatting.literal(exc))
    st.caption("Remove usort, udesc or upage from the link, or open the batch from the list.")
    st.stop()
if members.total == 0:
    st.caption("No user matches." if search or status else "This batch has no user.")
    undo_actions.tick(batch.id, [])
else:
    # Editors may tick users of a finished batch to revoke only them (the Revoke dialog offers them).
    picked = users_grid.users_grid(
        members.rows,
        sort_by,
        descending,
        fields=None if batch.n_revoking or batch.n_revoked else users_grid.NEVER_REVOKED,
        select_rows=undo_actions.ticking(batch, acct),
    )
    undo_actions.tick(batch.id, [int(members.rows["user_id"][i]) for i in picked])
    users_grid.pager_and_total(members.pages, members.page, members.total)

e1, e2, _ = st.columns([1, 1, 2])
e1.download_button(
    "Export users CSV",
    data=session.deferred(lambda c, a: batch_members.members_csv(c, a, batch.id)),
    file_name=f"batch_{batch.id}_users.csv",
    mime="text/csv",
    icon=":material/download:",
)
if batch.n_error:
    e2.download_button(
        "Export error rows",
        data=session.deferred(lambda c, a: batch_members.error_rows_csv(c, a, batch.id)),
        file_name=f"batch_{batch.id}_errors.csv",
        mime="text/csv",
        icon=":material/download:",
        help="In the upload template's format: fix the rows, then upload them again.",
    )

st.subheader("History")
log = audit.entries(uow, batch.id)
said = [audit_sentences.sentence(a, d) for a, d in zip(log["action"], log["detail"], strict=True)]
st.dataframe(
    pl.DataFrame(
        {
            # The viewer's time zone and format, like the rest of the page.
            "When": [formatting.when(formatting.local(t)) for t in log["happened_at"]],
            # the person (and the API token an API write came through); how users came in is
            # "Added via"
            "Who": [
                audit_sentences.who(a, v) for a, v in zip(log["actor"], log["via"], strict=True)
            ],
            "What happened": said,
        },
        schema={"When": pl.String, "Who": pl.String, "What happened": pl.String},
    ),
    hide_index=True,
    width="stretch",
    placeholder="",
    column_config={
        "What happened": st.column_config.TextColumn(width=text_width.fitting_width(said))
    },
)
