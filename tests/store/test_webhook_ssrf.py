"""Webhooks cannot be pointed at the server's own network (SSRF), on each store: a URL at a private
or local address, or at a name resolving to one, is refused when an admin adds it, and a webhook
whose host is private when its event is posted (added while the server allowed it, or a name that
changed its answer) gets a failed attempt, and its receiver not even a connection.

The suite allows private targets (tests/conftest.py); these tests unset the switch first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.access.roles import Account, Role
from core.errors import InputError
from core.webhooks import delivery, registry, targets
from tests.support.webhook_receiver import Receiver, listening

ADMIN = Account("ada", Role.ADMIN)

REFUSED_HINT = (
    "; give a public URL, or start the server with BATCH_UNLOCK_WEBHOOKS_ALLOW_PRIVATE=1 to "
    "post to internal receivers"
)
REFUSED_127 = f"refused: 127.0.0.1 resolves to a private or local address{REFUSED_HINT}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that checks signatures."""
    with listening() as found:
        yield found


@pytest.fixture
def switch_off(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The server as deployed by default: private targets refused."""
    monkeypatch.delenv(targets.ALLOW_PRIVATE_ENV, raising=False)
    return monkeypatch


def test_a_url_at_a_private_address_is_refused_and_nothing_is_added(cur, switch_off) -> None:
    with pytest.raises(InputError) as refused:
        registry.add_webhook(cur, ADMIN, "http://10.0.0.5/hooks")
    assert str(refused.value) == (
        "“http://10.0.0.5/hooks” points at a private or local address (10.0.0.5); webhooks post "
        "only to public addresses. Give a public URL, or set BATCH_UNLOCK_WEBHOOKS_ALLOW_PRIVATE=1 "
        "on the server to allow internal receivers."
    )
    assert registry.list_webhooks(cur, ADMIN) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/hooks",
        "http://[::ffff:127.0.0.1]:8080/hooks",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_a_name_or_address_that_is_local_is_refused_when_added(cur, switch_off, url) -> None:
    with pytest.raises(InputError, match="points at a private or local address"):
        registry.add_webhook(cur, ADMIN, url)
    assert registry.list_webhooks(cur, ADMIN) == []


def test_with_the_switch_on_private_addresses_and_names_are_added(cur, monkeypatch) -> None:
    monkeypatch.setenv(targets.ALLOW_PRIVATE_ENV, "1")
    registry.add_webhook(cur, ADMIN, "http://10.0.0.5/hooks")
    registry.add_webhook(cur, ADMIN, "http://localhost:8080/hooks")
    assert [w.url for w in registry.list_webhooks(cur, ADMIN)] == [
        "http://10.0.0.5/hooks",
        "http://localhost:8080/hooks",
    ]


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("127.0.0.1", REFUSED_127),
        (
            "localhost",
            f"refused: localhost resolves to a private or local address (127.0.0.1){REFUSED_HINT}",
        ),
    ],
)
def test_a_delivery_to_a_host_private_when_posted_is_a_failed_attempt_and_never_connects(
    cur, receiver, switch_off, host, said
) -> None:
    switch_off.setenv(targets.ALLOW_PRIVATE_ENV, "1")  # the server allowed it when it was added
    url = receiver.url.replace("127.0.0.1", host)
    _, webhook = registry.add_webhook(cur, ADMIN, url)
    switch_off.delenv(targets.ALLOW_PRIVATE_ENV)
    registry.send_test(cur, ADMIN, webhook.id)
    (attempt,) = delivery.deliver_due(cur)
    assert (attempt.status_code, attempt.status) == (None, "pending")  # tried again later
    assert attempt.error in {said, said.replace("127.0.0.1", "::1")}  # ::1 if it comes first
    (shown,) = registry.recent_deliveries(cur, ADMIN, webhook.id)
    assert shown.last_result == attempt.error
    assert receiver.received == []


def test_a_delivery_allowed_by_the_switch_reaches_the_receiver(cur, receiver) -> None:
    secret, webhook = registry.add_webhook(cur, ADMIN, receiver.url)
    receiver.secret = secret
    registry.send_test(cur, ADMIN, webhook.id)
    (attempt,) = delivery.deliver_due(cur)
    assert (attempt.status_code, attempt.status) == (200, "delivered")
    assert len(receiver.delivered()) == 1
