"""Login throttling: per (name, address), counted before the password check, alike for everyone.

Concurrency tests send attempts from threads, each with its own cursor, as the web server's
worker threads do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.access import client_address, throttle
from core.errors import InputError
from core.store.ports.accounts import LoginFailures

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_the_counting_rule_is_plain_python_over_one_pair_s_counts() -> None:
    # The rule needs no store: the store only keeps each pair's counts between attempts.
    counts = None
    for _ in range(throttle.MAX_FAILURES):
        verdict, counts = throttle.counted(counts, T0)
        assert verdict.allowed
    assert counts == LoginFailures(0, 1, T0 + timedelta(minutes=1), T0)
    refused, unchanged = throttle.counted(counts, T0 + timedelta(seconds=20))
    assert (refused.allowed, refused.retry_minutes, unchanged) == (False, 1, counts)


TRUSTED = client_address.parse_trusted_proxies("127.0.0.1, 10.0.0.0/8")


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # No trusted proxy configured: the header is ignored, whoever sends it.
        ("203.0.113.9", ["198.51.100.1"], (), "203.0.113.9"),
        ("127.0.0.1", ["198.51.100.1"], (), "127.0.0.1"),
        # A peer that is not a trusted proxy cannot choose its address with the header.
        ("203.0.113.9", ["198.51.100.1"], TRUSTED, "203.0.113.9"),
        # Behind the proxy: the right-most entry that is not a proxy; forged left ones are skipped.
        ("127.0.0.1", ["1.1.1.1, 198.51.100.7"], TRUSTED, "198.51.100.7"),
        ("127.0.0.1", ["1.1.1.1, 198.51.100.7, 10.1.2.3"], TRUSTED, "198.51.100.7"),
        ("127.0.0.1", ["1.1.1.1", "198.51.100.7"], TRUSTED, "198.51.100.7"),
        ("127.0.0.1", [], TRUSTED, "127.0.0.1"),
        ("127.0.0.1", ["10.9.9.9"], TRUSTED, "10.9.9.9"),
        (None, [], (), "unknown"),
    ],
)
def test_the_client_address_believes_forwarded_for_only_from_trusted_proxies(
    peer: str | None, forwarded: list[str], trusted: tuple, expected: str
) -> None:
    assert client_address.client_address(peer, forwarded, trusted) == expected


def test_a_wrong_trusted_proxy_setting_is_refused_in_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(client_address.TRUSTED_PROXIES_ENV, "127.0.0.1,proxy.internal")
    with pytest.raises(InputError, match=r"'proxy\.internal', which is not an IP address"):
        client_address.trusted_proxies()
