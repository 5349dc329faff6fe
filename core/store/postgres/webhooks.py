"""PostgreSQL's webhooks repository: registered URLs and the durable outbox of their deliveries.

Several dispatchers (apps and workers) share one database: a claim takes due rows with
`FOR UPDATE SKIP LOCKED` in one short statement and leases them (`next_attempt_at` moved to the
lease's end, under a claim token), so two dispatchers never post one delivery at once and none
waits for another; the post itself runs outside any transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.store.postgres.base import Repository

if TYPE_CHECKING:
    import polars as pl

_CLAIM = """
    UPDATE webhook_deliveries d
    SET next_attempt_at = %(lease)s, claim = %(claim)s
    FROM (
        SELECT d.id, w.url, w.secret
        FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status = 'pending' AND w.removed_at IS NULL AND d.next_attempt_at <= %(now)s
        ORDER BY d.next_attempt_at, d.id
        LIMIT %(limit)s
        FOR UPDATE OF d SKIP LOCKED
    ) due
    WHERE d.id = due.id
    RETURNING d.id, d.webhook_id, d.event, d.body, d.attempts, due.url, due.secret
"""

_DELIVERY_COLUMNS = """
    d.id, d.webhook_id, w.url, d.event, d.batch_id, d.status, d.attempts, d.created_at,
    d.last_attempt_at, d.last_status_code, d.last_error, d.next_attempt_at, d.delivered_at
"""

# A webhook subscribes to an event when the event's name is one of its comma-separated names.
_SUBSCRIBES = "strpos(',' || w.events || ',', ',' || %(event)s || ',') > 0"


class PgWebhooks(Repository):
    """The SQL behind `core.store.ports.webhooks.WebhooksRepository`."""

    def add(self, url: str, events: str, secret: str, created_by: str, most: int) -> int | None:
        """Register a webhook in the lowest free slot up to `most`; return its id (None: no slot)."""
        return self._uow.transaction(
            lambda _: self.scalar(
                "INSERT INTO webhooks (url, live_url, slot, events, secret, created_by) "
                "SELECT %(url)s, %(url)s, min(free.n), %(events)s, %(secret)s, %(by)s "
                "FROM generate_series(1, %(most)s) free(n) "
                "WHERE free.n NOT IN (SELECT slot FROM webhooks WHERE slot IS NOT NULL) "
                "HAVING min(free.n) IS NOT NULL RETURNING id",
                {"url": url, "events": events, "secret": secret, "by": created_by, "most": most},
            )
        )

    def get(self, webhook_id: int) -> tuple[Any, ...] | None:
        """Return (id, url, events, created_by, created_at, removed_at) of a webhook, or None."""
        found = self.rows(
            "SELECT id, url, events, created_by, created_at, removed_at FROM webhooks "
            "WHERE id = %s",
            [webhook_id],
        )
        return found[0] if found else None

    def webhooks(self) -> pl.DataFrame:
        """Every webhook not removed, oldest first (never the secret)."""
        return self.frame(
            "SELECT id, url, events, created_by, created_at FROM webhooks "
            "WHERE removed_at IS NULL ORDER BY id"
        )

    def active_with_url(self, url: str) -> int | None:
        """Return the id of the webhook not removed that posts to exactly `url`, if any."""
        return self.scalar("SELECT id FROM webhooks WHERE live_url = %s", [url])

    def remove(self, webhook_id: int, at: datetime) -> int:
        """Mark a webhook removed and cancel its pending deliveries; return how many were cancelled."""

        def work(_: object) -> int:
            self.changed(
                "UPDATE webhooks SET removed_at = %s, live_url = NULL, slot = NULL WHERE id = %s",
                [at, webhook_id],
            )
            return self.changed(
                "UPDATE webhook_deliveries SET status = 'cancelled', claim = NULL "
                "WHERE webhook_id = %s AND status = 'pending'",
                [webhook_id],
            )

        return self._uow.transaction(work)

    def subscribed(self, event: str) -> int:
        """Count the webhooks not removed that subscribe to `event`."""
        return self.scalar(
            f"SELECT count(*) FROM webhooks w WHERE w.removed_at IS NULL AND {_SUBSCRIBES}",
            {"event": event},
        )

    def enqueue(
        self,
        event: str,
        event_id: str,
        batch_id: int | None,
        body: str,
        now: datetime,
        webhook_id: int | None = None,
    ) -> int:
        """Add one pending delivery per subscribed webhook (or `webhook_id`'s), in one statement."""
        which = "w.id = %(webhook)s" if webhook_id is not None else _SUBSCRIBES
        return self.changed(
            "INSERT INTO webhook_deliveries "
            "(webhook_id, event, event_id, batch_id, body, created_at, next_attempt_at) "
            "SELECT w.id, %(event)s, %(event_id)s, %(batch)s, %(body)s, %(now)s, %(now)s "
            f"FROM webhooks w WHERE w.removed_at IS NULL AND {which}",
            {
                "event": event,
                "event_id": event_id,
                "batch": batch_id,
                "body": body,
                "now": now,
                "webhook": webhook_id,
            },
        )

    def claim_due(
        self, now: datetime, lease_until: datetime, claim: str, limit: int
    ) -> list[tuple[Any, ...]]:
        """Lease up to `limit` due deliveries no other claimer holds; return (id, webhook_id,
        event, body, attempts, url, secret) of each."""
        found = self._uow.transaction(
            lambda _: self.rows(
                _CLAIM, {"now": now, "lease": lease_until, "claim": claim, "limit": limit}
            )
        )
        return sorted(found)

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
        """Record one attempt of a delivery still leased under `claim`; False if the lease was lost."""
        params = {
            "id": delivery_id,
            "claim": claim,
            "at": attempted_at,
            "code": status_code,
            "error": error,
            "ms": duration_ms,
            "status": status,
            "next": next_attempt_at,
        }

        def work(_: object) -> bool:
            updated = self.rows(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, status = %(status)s, "
                "next_attempt_at = %(next)s, claim = NULL, last_attempt_at = %(at)s, "
                "last_status_code = %(code)s, last_error = %(error)s, "
                "delivered_at = CASE WHEN %(status)s = 'delivered' THEN %(at)s END "
                "WHERE id = %(id)s AND claim = %(claim)s AND status = 'pending' "
                "RETURNING attempts",
                params,
            )
            if not updated:
                return False
            self.rows(
                "INSERT INTO webhook_attempts VALUES "
                "(%(id)s, %(attempt)s, %(at)s, %(code)s, %(error)s, %(ms)s)",
                params | {"attempt": updated[0][0]},
            )
            return True

        return self._uow.transaction(work)

    def deliveries(self, webhook_id: int | None, limit: int) -> pl.DataFrame:
        """The newest deliveries (of one webhook, or all), newest first, with their last attempt."""
        which = "d.webhook_id = %(webhook)s" if webhook_id is not None else "TRUE"
        return self.frame(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries d "
            f"JOIN webhooks w ON w.id = d.webhook_id WHERE {which} "
            "ORDER BY d.id DESC LIMIT %(limit)s",
            {"webhook": webhook_id, "limit": limit},
        )

    def attempts(self, delivery_id: int) -> pl.DataFrame:
        """A delivery's attempts in order."""
        return self.frame(
            "SELECT attempt, attempted_at, status_code, error, duration_ms FROM webhook_attempts "
            "WHERE delivery_id = %s ORDER BY attempt",
            [delivery_id],
        )

    def purge(self, before: datetime) -> int:
        """Delete finished deliveries (and their attempts) created before `before`."""

        def work(_: object) -> int:
            gone = self.rows(
                "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < %s "
                "RETURNING id",
                [before],
            )
            ids = [row[0] for row in gone]
            if ids:
                self.changed(
                    "DELETE FROM webhook_attempts WHERE delivery_id = ANY(%s::bigint[])", [ids]
                )
            return len(ids)

        return self._uow.transaction(work)
