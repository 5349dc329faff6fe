"""Posting due deliveries: claim (a short transaction), post (outside any), record the attempt.

A 2xx answer is delivered; anything else (another status, a refused connection, no answer
within TIMEOUT_S: the whole post, however slowly a receiver trickles its answer, so it ends well
inside the claim's LEASE) is an attempt that failed: the delivery is tried again after a back-off that
doubles each time (`Backoff`), and given up ("failed") after `Backoff.attempts` tries. Each
attempt is kept with its time, status code or error. Delivery is at least once: a dispatcher
that dies after the receiver answered but before recording it posts the delivery again when the
lease ends, so receivers drop repeats by the `Batch-Unlock-Delivery` header (the outbox id).
A post to a host that resolves to a private or local address is refused (`posting`): it fails.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.store.ports import UnitOfWork
from core.webhooks import signing
from core.webhooks.posting import TIMEOUT_S, post
from core.webhooks.registry import safe_url

log = logging.getLogger(__name__)

CLAIM_SIZE = 5  # deliveries leased per claim, posted one after the other


def lease_for(limit: int, timeout: float) -> timedelta:
    """How long a claim holds its rows: longer than its posts take, so no other dispatcher takes
    them meanwhile; then a dead dispatcher's rows are taken again."""
    return timedelta(seconds=limit * timeout + 30)


LEASE = lease_for(CLAIM_SIZE, TIMEOUT_S)  # with the defaults: 80 s
USER_AGENT = "Batch-Unlock-Webhooks/1"


@dataclass(frozen=True)
class Backoff:
    """When to try again: `first` seconds after the first failure, doubling, at most `cap`;
    give up after `attempts` tries (the defaults keep trying for about 1.5 hours)."""

    first: float = 10.0
    cap: float = 3600.0
    attempts: int = 10

    def delay(self, tried: int) -> float:
        """Seconds to wait after the `tried`-th failed attempt."""
        return min(self.cap, self.first * 2 ** (tried - 1))


DEFAULT_BACKOFF = Backoff()


@dataclass(frozen=True)
class Attempt:
    """What one post of a delivery did."""

    delivery_id: int
    webhook_id: int
    event: str
    attempt: int
    status_code: int | None
    error: str | None
    status: str  # the delivery's status after it: delivered, pending (again later) or failed


def headers_for(secret: str, body: bytes, event: str, delivery_id: int) -> dict[str, str]:
    """The headers of one post: JSON, the event, the delivery's id and the signature (now)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.EVENT_HEADER: event,
        signing.DELIVERY_HEADER: str(delivery_id),
        signing.SIGNATURE_HEADER: signing.header(secret, body),
    }


def deliver_due(
    uow: UnitOfWork,
    now: datetime | None = None,
    backoff: Backoff = DEFAULT_BACKOFF,
    limit: int = CLAIM_SIZE,
    timeout: float = TIMEOUT_S,
) -> list[Attempt]:
    """Claim up to `limit` deliveries due by `now` (default: now), post each, record each attempt."""
    moment = now or datetime.now(UTC)
    claim = uuid.uuid4().hex
    claimed = uow.webhooks.claim_due(moment, moment + lease_for(limit, timeout), claim, limit)
    done = []
    for delivery_id, webhook_id, event, text, tried, url, secret in claimed:
        body = text.encode()
        started = time.perf_counter()
        code, error = post(url, body, headers_for(secret, body, event, delivery_id), timeout)
        elapsed = time.perf_counter() - started
        at = now or datetime.now(UTC)
        attempt = tried + 1
        if code is not None and 200 <= code < 300:
            status, next_at = "delivered", at
        elif attempt >= backoff.attempts:
            status, next_at = "failed", at
        else:
            status, next_at = "pending", at + timedelta(seconds=backoff.delay(attempt))
        if code is not None and status != "delivered" and 300 <= code < 400:
            error = "redirects are not followed: register the URL it points to"
        recorded = uow.webhooks.record_attempt(
            delivery_id, claim, at, code, error, round(elapsed * 1000), status, next_at
        )
        if not recorded:
            log.warning("webhook delivery %s: its lease ended during the post", delivery_id)
            continue
        if status == "failed":
            log.warning(
                "webhook delivery %s to %s given up after %d attempts",
                delivery_id,
                safe_url(url),
                attempt,
            )
        done.append(Attempt(delivery_id, webhook_id, event, attempt, code, error, status))
    return done
