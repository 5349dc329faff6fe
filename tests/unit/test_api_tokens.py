"""API tokens without a store (issue 17): the per-token throttle, names, expiries, the header,
and the audit's words for tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.access import api_throttle, api_tokens
from core.access.api_throttle import Throttle
from core.access.api_tokens import ApiToken
from core.errors import InputError, NotAuthenticated, TooManyRequests
from core.history import audit_sentences


class Clock:
    """A hand-moved clock for the throttle (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_lets_the_limit_through_then_says_how_long_to_wait() -> None:
    clock = Clock()
    throttle = Throttle(limit=3, window=60, clock=clock)
    for _ in range(3):
        throttle.check("dan/ci-bot")
        clock.now += 10
    with pytest.raises(TooManyRequests) as refused:
        throttle.check("dan/ci-bot")
    # The first request was at 1000, now is 1030: it leaves the window in 30 s.
    assert refused.value.retry_after == 30
    assert str(refused.value) == (
        "This API token made more than 3 requests in 60 seconds. Wait 30 seconds, then try again."
    )


def test_the_window_slides_so_a_burst_at_an_edge_cannot_double_the_rate() -> None:
    clock = Clock()
    throttle = Throttle(limit=2, window=60, clock=clock)
    clock.now = 1059.0
    throttle.check("k")
    throttle.check("k")
    clock.now = 1061.0  # a fixed window would have started afresh at 1060
    with pytest.raises(TooManyRequests):
        throttle.check("k")
    clock.now = 1119.5  # both requests of 1059 are older than 60 s now
    throttle.check("k")


def test_a_refused_request_is_not_counted_so_waiting_is_enough() -> None:
    clock = Clock()
    throttle = Throttle(limit=1, window=10, clock=clock)
    throttle.check("k")
    for _ in range(50):
        with pytest.raises(TooManyRequests):
            throttle.check("k")
    clock.now += 10
    throttle.check("k")


def test_each_token_has_its_own_window() -> None:
    throttle = Throttle(limit=1, window=60, clock=Clock())
    throttle.check("dan/a")
    throttle.check("dan/b")
    throttle.check("ann/a")
    with pytest.raises(TooManyRequests, match="Wait 60 seconds"):
        throttle.check("dan/a")


def test_quiet_tokens_are_forgotten() -> None:
    clock = Clock()
    throttle = Throttle(limit=5, window=60, clock=clock)
    for key in ("a", "b", "c"):
        throttle.check(key)
    clock.now += api_throttle.SWEEP_EVERY
    throttle.check("d")
    assert throttle.tracked() == 1


def test_the_process_wide_throttle_uses_the_named_limits() -> None:
    assert (api_throttle._throttle.limit, api_throttle._throttle.window) == (
        api_throttle.MAX_REQUESTS,
        api_throttle.WINDOW_SECONDS,
    )
    api_throttle.check("unit-test/only-once")  # one request of a fresh key passes


def test_failed_authentications_are_counted_per_address_and_refused_once_the_window_is_full() -> (
    None
):
    clock = Clock()
    failures = Throttle(limit=2, window=60, clock=clock, sentence=api_throttle.TOO_MANY_FAILED)
    for _ in range(2):
        failures.check("10.0.0.1")
    failures.check("10.0.0.2")  # another address has its own window
    with pytest.raises(TooManyRequests, match="had no valid API token") as refused:
        failures.check("10.0.0.1")
    assert refused.value.retry_after == 60
    clock.now += 60
    failures.check("10.0.0.1")  # the window has moved on


def test_the_process_wide_failure_throttle_uses_the_named_limit() -> None:
    assert (api_throttle._failures.limit, api_throttle._failures.window) == (
        api_throttle.MAX_FAILED_AUTH,
        api_throttle.WINDOW_SECONDS,
    )
    api_throttle.failed_authentication("unit-test-address")  # one failure of a fresh address


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2027-01-31", datetime(2027, 1, 31, tzinfo=UTC)),
        (" 2027-01-31T18:00+01:00 ", datetime(2027, 1, 31, 17, 0, tzinfo=UTC)),
        ("2027-01-31T18:00", datetime(2027, 1, 31, 18, 0, tzinfo=UTC)),
        ("2027-01-31T18:00Z", datetime(2027, 1, 31, 18, 0, tzinfo=UTC)),
    ],
)
def test_an_expiry_is_a_date_or_an_iso_time_utc_unless_it_says(typed: str, meant: datetime) -> None:
    assert api_tokens.parse_expiry(typed) == meant


def test_an_expiry_that_is_no_date_is_refused_in_words() -> None:
    with pytest.raises(InputError) as refused:
        api_tokens.parse_expiry("31/01/2027")
    assert str(refused.value).startswith("“31/01/2027” is not a date. Write it as 2027-01-31")


def test_a_name_is_trimmed_and_may_have_any_printable_text() -> None:
    assert api_tokens.clean_name("  “ci” bot — nightly  ") == "“ci” bot — nightly"
    assert api_tokens.clean_name("x" * 60) == "x" * 60
    with pytest.raises(InputError, match="at most 60 characters; this one has 61"):
        api_tokens.clean_name("x" * 61)
    with pytest.raises(InputError, match="control characters"):
        api_tokens.clean_name("tab\there")


@pytest.mark.parametrize(
    "header",
    [None, "   ", "Token bu_x", "Bearer", "Bearer    ", "bu_abc", "Basic YTpi"],
)
def test_a_header_without_a_bearer_token_is_refused_before_the_store_is_asked(
    header: str | None,
) -> None:
    with pytest.raises(NotAuthenticated) as refused:
        api_tokens.authenticate_token(None, header)  # no store: never reached
    said = str(refused.value)
    assert "Bearer" in said and "account token create" in said


def test_a_token_s_state_reads_its_times() -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    base = ApiToken(1, "a", "dan", False, now - timedelta(days=1), None, None, None, "bu_abcde")
    assert base.state(now) == "active" and base.is_live(now)
    expired = ApiToken(*{**base.__dict__, "expires_at": now}.values())
    assert expired.state(now) == "expired" and not expired.is_live(now)
    revoked = ApiToken(*{**base.__dict__, "revoked_at": now}.values())
    assert revoked.state(now + timedelta(days=9)) == "revoked"


@pytest.mark.parametrize(
    ("action", "detail", "said"),
    [
        ("API token created", "“ci-bot” for dan", "Created the API token “ci-bot” for dan."),
        (
            "API token created",
            "“r” for ann; read-only",
            "Created the API token “r” for ann (read-only).",
        ),
        (
            "API token created",
            "“x” for ann; expires 2027-01-31 00:00 UTC",
            "Created the API token “x” for ann (expires 2027-01-31 00:00 UTC).",
        ),
        ("API token revoked", "“ci-bot” of dan", "Revoked the API token “ci-bot” of dan."),
        # A name with the detail's own punctuation in it still reads whole.
        ("API token revoked", "“a” of b” of dan", "Revoked the API token “a” of b” of dan."),
        ("API token revoked", "garbled", "API token revoked: garbled."),
    ],
)
def test_token_events_read_as_sentences(action: str, detail: str, said: str) -> None:
    assert audit_sentences.sentence(action, detail) == said


def test_who_names_the_token_an_account_acted_through() -> None:
    assert audit_sentences.who("dan", None) == "dan"
    assert audit_sentences.who("dan", "ci-bot") == "dan via API token “ci-bot”"


def test_moments_in_messages_are_utc_to_the_minute() -> None:
    paris = timezone(timedelta(hours=1))
    assert api_tokens._when(datetime(2027, 1, 31, 18, 0, 42, tzinfo=paris)) == (
        "2027-01-31 17:00 UTC"
    )
