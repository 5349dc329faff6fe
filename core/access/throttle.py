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
import ipaddress
import math
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from core.errors import InputError
from core.store import in_transaction

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

TRUSTED_PROXIES_ENV = "BATCH_UNLOCK_TRUSTED_PROXIES"
# Where attempts come from when there is no HTTP client (the command line, tests).
LOCAL_ADDRESS = "local"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# One process holds the store (DuckDB's file lock), so a process lock serialises every
# reservation: no two transactions race for one row, and none has to be retried on a conflict.
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


def reserve(
    cur: duckdb.DuckDBPyConnection, username: str, address: str, now: datetime | None = None
) -> Attempt:
    """Count an attempt as failed before its password is checked; refuse it if the pair is blocked."""
    key = name_key(username)
    now = now or _now()

    def write(c: duckdb.DuckDBPyConnection) -> Attempt:
        rows = c.execute(
            "SELECT failures, blocks, blocked_until, last_failure_at FROM login_failures "
            "WHERE name_key = ? AND address = ?",
            [key, address],
        ).fetchall()
        failures, blocks, blocked_until, last = rows[0] if rows else (0, 0, None, None)
        if blocked_until is not None and blocked_until > now:
            verdict = Attempt(False, blocked_until - now)
            # Written back unchanged: a refused attempt then costs the same write as a counted
            # one, so its answer takes as long.
        else:
            if last is not None and now - last > FORGET_AFTER:
                failures, blocks = 0, 0
            failures += 1
            blocked_until = None
            if failures >= MAX_FAILURES:
                blocked_until = now + block_window(blocks)
                blocks += 1
                failures = 0
            last = now
            verdict = Attempt(True)
        c.execute(
            "INSERT INTO login_failures VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name_key, address) "
            "DO UPDATE SET failures = excluded.failures, blocks = excluded.blocks, "
            "blocked_until = excluded.blocked_until, last_failure_at = excluded.last_failure_at",
            [key, address, failures, blocks, blocked_until, last],
        )
        return verdict

    with _lock:
        return in_transaction(cur, write)


def succeeded(cur: duckdb.DuckDBPyConnection, username: str, address: str) -> None:
    """Forget the failures of a pair whose right password was just checked."""
    with _lock:
        in_transaction(
            cur,
            lambda c: c.execute(
                "DELETE FROM login_failures WHERE name_key = ? AND address = ?",
                [name_key(username), address],
            ),
        )


def account_delay(
    cur: duckdb.DuckDBPyConnection, username: str, now: datetime | None = None
) -> float:
    """Seconds to hold every answer for this name while many addresses fail on it (0 normally)."""
    since = (now or _now()) - SLOWDOWN_WINDOW
    addresses = cur.execute(
        "SELECT count(*) FROM login_failures WHERE name_key = ? AND last_failure_at > ?",
        [name_key(username), since],
    ).fetchall()[0][0]
    return min(MAX_SLOWDOWN, SLOWDOWN_STEP * max(0, addresses - SLOWDOWN_AFTER))


def purge(cur: duckdb.DuckDBPyConnection, now: datetime | None = None) -> int:
    """Delete pairs quiet for a day and not blocked; return how many."""
    now = now or _now()

    def write(c: duckdb.DuckDBPyConnection) -> int:
        return len(
            c.execute(
                "DELETE FROM login_failures WHERE last_failure_at < ? "
                "AND (blocked_until IS NULL OR blocked_until < ?) RETURNING name_key",
                [now - FORGET_AFTER, now],
            ).fetchall()
        )

    with _lock:
        return in_transaction(cur, write)


def parse_trusted_proxies(text: str | None) -> tuple[Network, ...]:
    """Parse a comma-separated list of proxy addresses or networks ("127.0.0.1,10.0.0.0/8")."""
    networks = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise InputError(
                f"{TRUSTED_PROXIES_ENV} holds {part!r}, which is not an IP address or network. "
                "List your reverse proxies' addresses, e.g. 127.0.0.1,10.0.0.0/8, or unset it."
            ) from None
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """The reverse proxies whose X-Forwarded-For is believed, from $BATCH_UNLOCK_TRUSTED_PROXIES."""
    return parse_trusted_proxies(os.environ.get(TRUSTED_PROXIES_ENV))


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


# Streamlit's server (uvicorn) believes X-Forwarded-For from these peers before the app sees the
# request, and rewrites the peer address from it ($FORWARDED_ALLOW_IPS, uvicorn's default).
UVICORN_TRUSTED_ENV = "FORWARDED_ALLOW_IPS"
UVICORN_TRUSTED_DEFAULT = "127.0.0.1,::1"


def transport_peer(peer: str | None, forwarded_for: list[str]) -> str | None:
    """The address that really connected, undoing uvicorn's rewrite from X-Forwarded-For.

    uvicorn replaces the peer by an X-Forwarded-For entry when the real peer is one it trusts
    (loopback by default), so a client on the same host could pick any address per guess.
    When the peer we are given is one of the header's entries, the rewrite may have happened:
    the real peer was then one of uvicorn's trusted hosts, and that is what is counted (a
    remote client that names its own address gains nothing by it either).
    """
    hops = {hop.strip() for header in forwarded_for for hop in header.split(",")}
    if peer is None or peer not in hops:
        return peer
    trusted = os.environ.get(UVICORN_TRUSTED_ENV, UVICORN_TRUSTED_DEFAULT)
    first = next((h.strip() for h in trusted.split(",") if h.strip() and h.strip() != "*"), None)
    return first or peer


def client_address(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The address a request comes from: its peer, or, behind trusted proxies, the right-most
    X-Forwarded-For entry that is not one of them (entries to its left can be forged)."""
    peer = peer or "unknown"
    if not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    hops = [hop for hop in hops if hop]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            # Bounded: the key must not grow with whatever a client put into the header.
            return hop[:64]
    # Every hop is a proxy of ours (or there is no header): the left-most is the closest guess.
    return hops[0][:64] if hops else peer
