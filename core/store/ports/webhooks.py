"""The webhooks repository's port: registered URLs and the durable outbox of their deliveries (issue 17)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import polars as pl


class WebhooksRepository(Protocol):
    """What domain code may ask the store about webhooks and their deliveries."""

    def add(self, url: str, events: str, secret: str, created_by: str, most: int) -> int | None:
        """Register a webhook (`events` comma-separated) in the lowest free slot from 1 to `most`;
        return its id, or None if every slot is taken. The URL and the slot of live webhooks are
        unique keys: an add at the same moment of the same URL or slot raises DuplicateKey."""
        ...

    def get(self, webhook_id: int) -> tuple[Any, ...] | None:
        """Return (id, url, events, created_by, created_at, removed_at) of a webhook, or None."""
        ...

    def webhooks(self) -> pl.DataFrame:
        """Every webhook not removed: id, url, events, created_by, created_at (never the secret)."""
        ...

    def active_with_url(self, url: str) -> int | None:
        """Return the id of the webhook not removed that posts to exactly `url`, if any."""
        ...

    def remove(self, webhook_id: int, at: datetime) -> int:
        """Mark a webhook removed and cancel its pending deliveries; return how many were cancelled."""
        ...

    def subscribed(self, event: str) -> int:
        """Count the webhooks not removed that subscribe to `event`."""
        ...

    def enqueue(
        self,
        event: str,
        event_id: str,
        batch_id: int | None,
        body: str,
        now: datetime,
        webhook_id: int | None = None,
    ) -> int:
        """Add one pending delivery per webhook subscribed to `event` (only `webhook_id`'s if
        given), due at `now`, in the caller's transaction; return how many were added."""
        ...

    def claim_due(
        self, now: datetime, lease_until: datetime, claim: str, limit: int
    ) -> list[tuple[Any, ...]]:
        """Lease up to `limit` pending deliveries due by `now` (oldest due first) until
        `lease_until` under the token `claim`, skipping rows another claimer holds; return
        (id, webhook_id, event, body, attempts, url, secret) of each."""
        ...

    def record_attempt(
        self,
        delivery_id: int,
        claim: str,
        attempted_at: datetime,
        status_code: int | None,
        error: str | None,
        duration_ms: int,
        status: str,
        next_attempt_at: datetime,
    ) -> bool:
        """Record one attempt of a delivery still leased under `claim`: its number is the
        delivery's attempts + 1; `status` is the delivery's status after it. False (and nothing
        written) if the lease was lost."""
        ...

    def deliveries(self, webhook_id: int | None, limit: int) -> pl.DataFrame:
        """The newest deliveries (of one webhook, or all), newest first, with their webhook's url
        and last attempt: id, webhook_id, url, event, batch_id, status, attempts, created_at,
        last_attempt_at, last_status_code, last_error, next_attempt_at, delivered_at."""
        ...

    def attempts(self, delivery_id: int) -> pl.DataFrame:
        """A delivery's attempts in order: attempt, attempted_at, status_code, error, duration_ms."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete delivered, failed and cancelled deliveries (and their attempts) created before
        `before`; return how many deliveries went."""
        ...
