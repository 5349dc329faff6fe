"""Webhook rules that need no store (issue 17): which URLs a webhook may post to, event names,
the retry back-off, and the audit sentences of adding and removing one."""

from __future__ import annotations

import pytest

from core.audit import Action
from core.errors import InputError
from core.history import audit_webhook_events
from core.webhooks import delivery, events, registry


@pytest.mark.parametrize(
    "url",
    [
        "https://platform.example/hooks/badges",
        "http://127.0.0.1:8080/x?token=abc",
        "  https://h.example/  ",
        "HTTPS://H.EXAMPLE/",
    ],
)
def test_http_and_https_urls_with_a_host_are_taken_trimmed(url: str) -> None:
    assert registry.clean_url(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("", "Give the webhook's URL"),
        ("ftp://h.example/x", "not an http:// or https:// URL"),
        ("file:///etc/passwd", "not an http:// or https:// URL"),
        ("https:///no-host", "not an http:// or https:// URL"),
        ("h.example/hooks", "not an http:// or https:// URL"),
        ("https://h.example/a b", "cannot contain spaces"),
        ("https://h.example/\nx", "cannot contain spaces"),
        ("https://h.example:99999/", "not a URL a webhook can post to"),
        ("https://h.example/" + "x" * 2000, "at most 2,000"),
    ],
)
def test_other_urls_are_refused_in_words(url: str, said: str) -> None:
    with pytest.raises(InputError, match=said):
        registry.clean_url(url)


def test_no_event_named_means_all_and_names_keep_the_events_order() -> None:
    assert registry.parse_events(None) == events.EVENTS
    assert registry.parse_events([]) == events.EVENTS
    assert registry.parse_events([events.REVOKED, events.PUBLISHED]) == (
        events.PUBLISHED,
        events.REVOKED,
    )
    with pytest.raises(InputError, match=r"“batch\.done” is not a webhook event"):
        registry.parse_events(["batch.done"])


def test_the_back_off_doubles_from_ten_seconds_up_to_an_hour() -> None:
    backoff = delivery.Backoff()
    assert [backoff.delay(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert backoff.delay(12) == 3600
    # Ten tries, the last about 1.5 hours after the first.
    assert sum(backoff.delay(n) for n in range(1, backoff.attempts)) == pytest.approx(5110)


def test_an_unknown_event_cannot_be_enqueued() -> None:
    with pytest.raises(ValueError, match="unknown webhook event"):
        events.enqueue(None, "batch.exploded", 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("action", "detail", "said"),
    [
        (
            Action.WEBHOOK_ADDED,
            "3 https://h.example/x (batch.published, batch.finished)",
            "Added the webhook 3 posting to “https://h.example/x”, told of batch.published, "
            "batch.finished.",
        ),
        (
            Action.WEBHOOK_REMOVED,
            "3 https://h.example/x",
            "Removed the webhook 3 that posted to “https://h.example/x”.",
        ),
    ],
)
def test_adding_and_removing_a_webhook_read_as_sentences(action, detail, said) -> None:
    assert audit_webhook_events.BUILDERS[action](detail) == said


def test_a_webhook_detail_it_cannot_read_is_left_to_the_plain_words() -> None:
    assert audit_webhook_events.BUILDERS[Action.WEBHOOK_ADDED]("odd") is None
    assert audit_webhook_events.BUILDERS[Action.WEBHOOK_REMOVED]("") is None


@pytest.mark.parametrize(
    ("url", "safe", "shown"),
    [
        (
            "https://bot:s3cret@h.example:8443/in/x?token=t0k#frag",
            "https://h.example:8443/in/x",
            f"https://bot:{registry.MASK}@h.example:8443/in/x?token=t0k#frag",
        ),
        ("http://bot@h.example/x", "http://h.example/x", "http://bot@h.example/x"),
        ("https://h.example/x?a=1", "https://h.example/x", "https://h.example/x?a=1"),
        ("https://[::1]:9000/", "https://[::1]:9000/", "https://[::1]:9000/"),
    ],
)
def test_the_audit_keeps_scheme_host_port_and_path_and_lists_mask_a_password(
    url: str, safe: str, shown: str
) -> None:
    assert registry.safe_url(url) == safe
    assert registry.shown_url(url) == shown


def test_a_refused_url_is_echoed_with_its_password_masked() -> None:
    with pytest.raises(InputError) as refused:
        registry.clean_url("ftp://bot:s3cret@h.example/x")
    assert "s3cret" not in str(refused.value) and registry.MASK in str(refused.value)


def test_the_cli_help_and_the_page_explain_the_signature_in_the_same_words() -> None:
    import argparse
    from pathlib import Path

    from core.cli import cmd_webhook
    from core.webhooks import signing

    commands = argparse.ArgumentParser().add_subparsers()
    cmd_webhook.register(commands)
    assert signing.HOW_TO_VERIFY in commands.choices["webhook"].description
    page = Path("pages/screens/webhooks.py").read_text()
    assert "signing.HOW_TO_VERIFY" in page and "HMAC" not in page
