"""Manage › Webhooks (admins): the URLs told when a batch is published, finishes or is revoked,
adding one (its secret shown once), a test event, removing, and the recent deliveries."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import words
from core.access.roles import Permission
from core.webhooks import events, registry, signing
from pages.ui import formatting, session

acct = session.page_requires(Permission.MANAGE_WEBHOOKS)
uow = session.unit_of_work()
session.header(words.WEBHOOKS_PAGE, [words.MANAGE, words.WEBHOOKS_PAGE])
st.caption(
    "The app POSTs a signed JSON event to each URL when a batch is published "
    f"(`{events.PUBLISHED}`), finishes (`{events.FINISHED}`: “{words.PUBLISHED}” or "
    f"“{words.PARTIALLY_PUBLISHED}”, with its counts) or has been revoked (`{events.REVOKED}`). "
    "Failed posts are tried again, waiting longer each time."
)
st.caption(signing.HOW_TO_VERIFY)


def remove(webhook: registry.Webhook) -> None:
    """Remove the webhook (what it is still owed is cancelled) and say so on the next run."""
    done = session.attempt(lambda: registry.remove_webhook(uow, session.account(), webhook.id))
    if done is not None:
        session.flash(f"Webhook {webhook.id} removed.")
        st.rerun()


with st.form("add_webhook", clear_on_submit=True, border=True):
    st.subheader(words.ADD_WEBHOOK)
    url = st.text_input(words.WEBHOOK_URL, placeholder="https://platform.example/hooks/badges")
    chosen = st.multiselect(words.WEBHOOK_EVENTS, events.EVENTS, default=list(events.EVENTS))
    submitted = st.form_submit_button(words.ADD_WEBHOOK, type="primary")
if submitted:
    added = session.attempt(lambda: registry.add_webhook(uow, session.account(), url, chosen))
    if added is not None:
        secret, webhook = added
        # Shown in this run only: the secret is never kept in the session nor shown again.
        st.success(
            formatting.literal(f"Webhook {webhook.id} added: {webhook.url}."),
            icon=":material/check_circle:",
        )
        st.code(secret, language=None)
        st.caption(f"The secret, to check the signatures. {words.SECRET_SHOWN_ONCE}")
session.show_flash()

hooks = session.attempt(lambda: registry.list_webhooks(uow, session.account())) or []
if not hooks:
    st.info("No webhooks yet: add one above.")
for hook in hooks:
    with st.container(border=True, key=f"webhook_{hook.id}"):
        text_col, test_col, remove_col = st.columns([6, 1.4, 1.2], vertical_alignment="center")
        with text_col:
            st.text(f"{hook.id} · {hook.url}")
            st.caption(
                formatting.literal(
                    f"{', '.join(hook.events)} · added by {hook.created_by}, "
                    f"{formatting.when(formatting.local(hook.created_at))}"
                )
            )
        with test_col:
            if st.button(words.SEND_TEST_EVENT, key=f"test_webhook_{hook.id}"):
                sent = session.attempt(
                    lambda h=hook: registry.send_test(uow, session.account(), h.id)
                )
                if sent is not None:
                    st.toast("Test event queued: it shows under the recent deliveries.")
        # A second click, inside the popover, confirms.
        with remove_col, st.popover(words.REMOVE_WEBHOOK, key=f"remove_webhook_{hook.id}"):
            st.caption("It is told of nothing more; deliveries not yet made are cancelled.")
            if st.button(
                f"Remove webhook {hook.id}", type="primary", key=f"confirm_remove_{hook.id}"
            ):
                remove(hook)


def _rows(found: list[registry.Delivery]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "Webhook": d.webhook_id,
                "URL": d.url,
                "Event": d.event,
                "Batch": d.batch_id,
                words.STATUS: d.status_word,
                "Attempts": d.attempts,
                "Last answer": d.last_result,
                "Last attempt": formatting.when(formatting.local(d.last_attempt_at)),
                "Next attempt": (
                    formatting.when(formatting.local(d.next_attempt_at))
                    if d.status == "pending"
                    else ""
                ),
                words.CREATED_AT: formatting.when(formatting.local(d.created_at)),
            }
            for d in found
        ]
    )


def _deliveries() -> list[registry.Delivery]:
    return (
        session.attempt(
            lambda: registry.recent_deliveries(session.unit_of_work(), session.account())
        )
        or []
    )


# Polled only while a delivery is pending, so its attempts show as they happen.
pending = any(d.status == "pending" for d in _deliveries())


@session.fragment(run_every=5 if pending else None)
def recent() -> None:
    """The newest deliveries, read afresh on each of the fragment's runs."""
    st.subheader(words.RECENT_DELIVERIES)
    found = _deliveries()
    if not found:
        st.caption("No deliveries yet.")
        return
    st.dataframe(_rows(found), hide_index=True, key="webhook_deliveries")


recent()
