"""Login throttling per typed username and client address, counted before the password is checked.

Each attempt is counted as a failure *before* its password is verified (argon2 takes 50-250 ms),
in one transaction taken one at a time, so guesses sent at once are all counted: of 40 sent
together, 5 are checked and 35 refused. A success then clears its pair. After `MAX_FAILURES` for
one (name, address) that address is refused for that name, even with the right password, for a
window that doubles with each block (1, 2, 4 … minutes, at most an hour); other addresses still
log in. Failures from many addresses at once only slow the name down (`account_delay`), so no
one can lock an account for everyone. Names are keyed whether an account has them or not, so an
unknown name is throttled exactly like a real one and the answers tell nothing apart.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.store.ports import UnitOfWork
from core.store.ports.accounts import LoginFailures

MAX_FAILURES = 5
FIRST_BLOCK = timedelta(minutes=1)
MAX_BLOCK = timedelta(hours=1)
# A pair quiet for this long starts again from a one-minute block (and its row is purged).
FORGET_AFTER = timedelta(hours=24)
# Failing addresses for one name within this window beyond SLOWDOWN_AFTER slow that name down.
SLOWDOWN_WINDOW = timedelta(minutes=15)
SLOWDOWN_AFTER = 3
SLOWDOWN_STEP = 0.25  # seconds per failing address beyond SLOWDOWN_AFTER
MAX_SLOWDOWN = 2.0  # seconds

# A process lock serialises this process's reservations: no two of its transactions race for
# one row, and none has to be retried on a conflict. Across processes the store's locked read
# (`login_failures`) does the same (a DuckDB file has one process anyway).
_lock = threading.Lock()


@dataclass(frozen=True)
class Attempt:
    """The verdict on one login attempt before its password is checked."""

    allowed: bool
    retry_after: timedelta = timedelta(0)

    @property
    def retry_minutes(self) -> int:
        """Whole minutes to wait before trying again (at least 1 when refused)."""
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))


def _now() -> datetime:
    return datetime.now(UTC)


def name_key(username: str) -> str:
    """The key of a typed username: a hash, so a password typed as a name is not kept as typed."""
    return hashlib.sha256(username.encode()).hexdigest()


def block_window(blocks_so_far: int) -> timedelta:
    """How long the next block lasts after `blocks_so_far` earlier ones: 1, 2, 4 … min, at most 1 h."""
    return min(MAX_BLOCK, FIRST_BLOCK * (2 ** min(blocks_so_far, 16)))


def counted(before: LoginFailures | None, now: datetime) -> tuple[Attempt, LoginFailures]:
    """The verdict on one more attempt of a pair, and the pair's counts after it."""
    failures, blocks, blocked_until, last = before or LoginFailures(0, 0, None, None)
    if blocked_until is not None and blocked_until > now:
        # Written back unchanged: a refused attempt then costs the same write as a counted
        # one, so its answer takes as long.
        return Attempt(False, blocked_until - now), LoginFailures(
            failures, blocks, blocked_until, last
        )
    if last is not None and now - last > FORGET_AFTER:
        failures, blocks = 0, 0
    failures += 1
    blocked_until = None
    if failures >= MAX_FAILURES:
        blocked_until = now + block_window(blocks)
        blocks += 1
        failures = 0
    return Attempt(True), LoginFailures(failures, blocks, blocked_until, now)


def reserve(uow: UnitOfWork, username: str, address: str, now: datetime | None = None) -> Attempt:
    """Count an attempt as failed before its password is checked; refuse it if the pair is blocked."""
    key = name_key(username)
    now = now or _now()

    def write(u: UnitOfWork) -> Attempt:
        verdict, after = counted(u.accounts.login_failures(key, address), now)
        u.accounts.put_login_failures(key, address, after)
        return verdict

    with _lock:
        return uow.transaction(write)


def succeeded(uow: UnitOfWork, username: str, address: str) -> None:
    """Forget the failures of a pair whose right password was just checked."""
    with _lock:
        uow.transaction(lambda u: u.accounts.forget_login_failures(name_key(username), address))


def account_delay(uow: UnitOfWork, username: str, now: datetime | None = None) -> float:
    """Seconds to hold every answer for this name while many addresses fail on it (0 normally)."""
    since = (now or _now()) - SLOWDOWN_WINDOW
    addresses = uow.accounts.failing_addresses(name_key(username), since)
    return min(MAX_SLOWDOWN, SLOWDOWN_STEP * max(0, addresses - SLOWDOWN_AFTER))


def purge(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Delete pairs quiet for a day and not blocked; return how many."""
    now = now or _now()
    with _lock:
        return uow.transaction(lambda u: u.accounts.purge_login_failures(now - FORGET_AFTER, now))
