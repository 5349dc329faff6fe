"""API throttling (issue 17): at most `MAX_REQUESTS` per token in any `WINDOW_SECONDS`, per process.

A sliding window: each token's request times of the last window are kept (a bounded deque),
so a burst at a window's edge cannot double the rate as fixed windows let it. The counts live
in this process's memory, not in the store: each replica of the app counts apart, so behind N
replicas a token may make up to N times the limit (the store is not written once per request
for this). A refused request is not counted, so a script that waits `retry_after` gets through.

Requests without a valid token (401) are counted apart, per client address: at most
`MAX_FAILED_AUTH` in any `WINDOW_SECONDS`, then the address's requests without a valid token are
answered 429 (`TOO_MANY_FAILED`) instead of 401, and are not counted. A valid token is served
from that address all the same (its own throttle applies): the address's count is a brake on
guessing, not a ban on the people behind a shared address. Each guess costs one lookup of a
hashed token (a malformed header none), and a guess over the limit learns nothing more than that
its token is not valid: tokens are 256-bit random, so guessing one is hopeless at any rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from core.errors import TooManyRequests

MAX_REQUESTS = 300
WINDOW_SECONDS = 60.0
MAX_FAILED_AUTH = 30
TOO_MANY = (
    "This API token made more than {limit} requests in {window:g} seconds. "
    "Wait {wait} second{s}, then try again."
)
TOO_MANY_FAILED = (
    "More than {limit} requests from this address had no valid API token in {window:g} "
    "seconds. Wait {wait} second{s}, then send the request with a valid token."
)
# Tokens quiet for a whole window are forgotten this often, so the memory follows the live ones.
SWEEP_EVERY = 600.0


class Throttle:
    """Sliding-window request counts per key, safe across threads."""

    def __init__(
        self,
        limit: int = MAX_REQUESTS,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sentence: str = TOO_MANY,
    ) -> None:
        self.limit, self.window, self._clock, self.sentence = limit, window, clock, sentence
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._swept = clock()

    def check(self, key: str) -> None:
        """Count one request of `key`; raise TooManyRequests if the window is full already."""
        with self._lock:
            times = self._refuse_if_full(key)
            times.append(self._clock())

    def clear(self) -> None:
        """Forget every key's count."""
        with self._lock:
            self._seen.clear()

    def _times(self, key: str) -> deque[float]:
        """`key`'s times within the window (the lock held)."""
        now = self._clock()
        if now - self._swept >= SWEEP_EVERY:
            self._sweep(now)
        times = self._seen.setdefault(key, deque(maxlen=self.limit))
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _refuse_if_full(self, key: str) -> deque[float]:
        """`key`'s times, or TooManyRequests if they fill the window (the lock held)."""
        times = self._times(key)
        if len(times) >= self.limit:
            wait = max(1, math.ceil(times[0] + self.window - self._clock()))
            raise TooManyRequests(
                self.sentence.format(
                    limit=self.limit, window=self.window, wait=wait, s="s" if wait != 1 else ""
                ),
                retry_after=wait,
            )
        return times

    def _sweep(self, now: float) -> None:
        """Forget the keys with no request in the last window."""
        self._swept = now
        for key in [k for k, t in self._seen.items() if not t or t[-1] <= now - self.window]:
            del self._seen[key]

    def tracked(self) -> int:
        """How many keys are remembered (for tests of the sweep)."""
        return len(self._seen)


_throttle = Throttle()
_failures = Throttle(MAX_FAILED_AUTH, sentence=TOO_MANY_FAILED)


def forget_all() -> None:
    """Forget every count, as an app process starts with none (a test server starts one)."""
    _throttle.clear()
    _failures.clear()


def check(token_key: str) -> None:
    """Count one API request of a token (key: e.g. "username/token name"); raise TooManyRequests."""
    _throttle.check(token_key)


def failed_authentication(address: str) -> None:
    """Count one request from `address` that had no valid token (a 401), or refuse it
    (TooManyRequests, not counted) if the address is over its failures already."""
    _failures.check(address)
