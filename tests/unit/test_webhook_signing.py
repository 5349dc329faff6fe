"""Webhook signatures (issue 17): what the sender signs is what `verify` accepts, and nothing else:
another body, secret or timestamp, an old timestamp, a malformed header."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from core.webhooks import signing

SECRET = "whsec_test-secret"
BODY = b'{"id":"e1","event":"batch.finished"}'
NOW = 1_800_000_000


def test_the_header_is_the_timestamp_and_the_hmac_of_timestamp_dot_body() -> None:
    header = signing.header(SECRET, BODY, NOW)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"


def test_a_receiver_accepts_the_senders_signature() -> None:
    assert signing.verify(SECRET, signing.header(SECRET, BODY, NOW), BODY, now=NOW + 10)


@pytest.mark.parametrize(
    ("secret", "body"),
    [("whsec_other", BODY), (SECRET, BODY + b" "), (SECRET, b"")],
)
def test_another_secret_or_a_changed_body_is_refused(secret: str, body: bytes) -> None:
    assert not signing.verify(secret, signing.header(SECRET, BODY, NOW), body, now=NOW)


def test_a_signature_older_or_newer_than_the_tolerance_is_refused() -> None:
    header = signing.header(SECRET, BODY, NOW)
    assert signing.verify(SECRET, header, BODY, now=NOW + 300)
    assert not signing.verify(SECRET, header, BODY, now=NOW + 301)
    assert not signing.verify(SECRET, header, BODY, now=NOW - 301)
    assert signing.verify(SECRET, header, BODY, tolerance=3600, now=NOW + 3000)


def test_a_timestamp_moved_to_now_breaks_the_signature() -> None:
    replayed = signing.header(SECRET, BODY, NOW).replace(f"t={NOW}", f"t={NOW + 3600}")
    assert not signing.verify(SECRET, replayed, BODY, now=NOW + 3600)


@pytest.mark.parametrize(
    "header", [None, "", "v1=abc", f"t={NOW}", "t=soon,v1=abc", "garbage", f"t={NOW},v2=abc"]
)
def test_a_missing_or_malformed_header_is_refused(header: str | None) -> None:
    assert not signing.verify(SECRET, header, BODY, now=NOW)


def test_any_of_several_v1_values_may_match() -> None:
    good = signing.signature(SECRET, BODY, NOW)
    assert signing.verify(SECRET, f"t={NOW},v1={'0' * 64},v1={good}", BODY, now=NOW)
