"""An address's requests without a valid token (core/access/api_throttle.py, issue 17's review):
counted up to the limit, then refused in words and not counted, until the window moves on."""

from __future__ import annotations

import pytest

from core.access import api_throttle
from core.access.api_throttle import Throttle
from core.errors import TooManyRequests


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The process's failure counts, fresh, at a limit of 2 on a hand-moved clock."""
    clock = Clock()
    failures = Throttle(limit=2, window=60, clock=clock, sentence=api_throttle.TOO_MANY_FAILED)
    monkeypatch.setattr(api_throttle, "_failures", failures)
    return clock


def test_failures_up_to_the_limit_are_counted_and_the_next_is_refused_in_words(
    clock: Clock,
) -> None:
    api_throttle.failed_authentication("10.0.0.1")
    api_throttle.failed_authentication("10.0.0.1")

    with pytest.raises(TooManyRequests) as refused:
        api_throttle.failed_authentication("10.0.0.1")
    assert str(refused.value) == (
        "More than 2 requests from this address had no valid API token in 60 seconds. "
        "Wait 60 seconds, then send the request with a valid token."
    )
    api_throttle.failed_authentication("10.0.0.2")  # another address counts apart


def test_a_refused_failure_is_not_counted_so_waiting_the_window_is_enough(clock: Clock) -> None:
    for _ in range(2):
        api_throttle.failed_authentication("10.0.0.1")
    for _ in range(5):
        with pytest.raises(TooManyRequests):
            api_throttle.failed_authentication("10.0.0.1")

    clock.now += 60
    api_throttle.failed_authentication("10.0.0.1")  # a 401 again, not a 429
