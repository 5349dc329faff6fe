"""DuckDB's webhooks repository: registered URLs and the durable outbox of their deliveries.

One process owns a DuckDB file, so a claim is a lease written in a short transaction (the
delivery's `next_attempt_at` moved to the lease's end, under a claim token); a dispatcher that
dies mid-post leaves the row to be taken again when the lease ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.store.duckdb.base import Repository

if TYPE_CHECKING:
    import polars as pl

_DUE = """
    SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
    WHERE d.status = 'pending' AND w.removed_at IS NULL AND d.next_attempt_at <= ?
    ORDER BY d.next_attempt_at, d.id
    LIMIT ?
"""

_DELIVERY_COLUMNS = """
    d.id, d.webhook_id, w.url, d.event, d.batch_id, d.status, d.attempts, d.created_at,
    d.last_attempt_at, d.last_status_code, d.last_error, d.next_attempt_at, d.delivered_at
"""

# A webhook subscribes to an event when the event's name is one of its comma-separated names.
_SUBSCRIBES = "strpos(',' || w.events || ',', ',' || ? || ',') > 0"


class DuckWebhooks(Repository):
    """The SQL behind `core.store.ports.webhooks.WebhooksRepository`."""

    def add(self, url: str, events: str, secret: str, created_by: str, most: int) -> int | None:
        """Register a webhook in the lowest free slot up to `most`; return its id (None: no slot)."""
        return self._uow.transaction(
            lambda _: self.scalar(
                "INSERT INTO webhooks (url, live_url, slot, events, secret, created_by) "
                "SELECT ?, ?, min(free.n), ?, ?, ? FROM range(1, ? + 1) free(n) "
                "WHERE free.n NOT IN (SELECT slot FROM webhooks WHERE slot IS NOT NULL) "
                "HAVING min(free.n) IS NOT NULL RETURNING id",
                [url, url, events, secret, created_by, most],
            )
        )

    def get(self, webhook_id: int) -> tuple[Any, ...] | None:
        """Return (id, url, events, created_by, created_at, removed_at) of a webhook, or None."""
        found = self.rows(
            "SELECT id, url, events, created_by, created_at, removed_at FROM webhooks WHERE id = ?",
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
        return self.scalar("SELECT id FROM webhooks WHERE live_url = ?", [url])

    def remove(self, webhook_id: int, at: datetime) -> int:
        """Mark a webhook removed and cancel its pending deliveries; return how many were cancelled."""

        def work(_: object) -> int:
            self.rows(
                "UPDATE webhooks SET removed_at = ?, live_url = NULL, slot = NULL WHERE id = ?",
                [at, webhook_id],
            )
            cancelled = self.rows(
                "UPDATE webhook_deliveries SET status = 'cancelled', claim = NULL "
                "WHERE webhook_id = ? AND status = 'pending' RETURNING id",
                [webhook_id],
            )
            return len(cancelled)

        return self._uow.transaction(work)

    def subscribed(self, event: str) -> int:
        """Count the webhooks not removed that subscribe to `event`."""
        return self.scalar(
            f"SELECT count(*) FROM webhooks w WHERE w.removed_at IS NULL AND {_SUBSCRIBES}",
            [event],
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
        which = "w.id = ?" if webhook_id is not None else _SUBSCRIBES
        added = self.rows(
            "INSERT INTO webhook_deliveries "
            "(webhook_id, event, event_id, batch_id, body, created_at, next_attempt_at) "
            "SELECT w.id, ?, ?, ?, ?, ?, ? FROM webhooks w "
            f"WHERE w.removed_at IS NULL AND {which} RETURNING id",
            [
                event,
                event_id,
                batch_id,
                body,
                now,
                now,
                event if webhook_id is None else webhook_id,
            ],
        )
        return len(added)

    def claim_due(
        self, now: datetime, lease_until: datetime, claim: str, limit: int
    ) -> list[tuple[Any, ...]]:
        """Lease up to `limit` due deliveries; return (id, webhook_id, event, body, attempts, url, secret)."""

        def work(_: object) -> list[tuple[Any, ...]]:
            self.rows(
                "UPDATE webhook_deliveries SET next_attempt_at = ?, claim = ? "
                f"WHERE id IN ({_DUE})",
                [lease_until, claim, now, limit],
            )
            return self.rows(
                "SELECT d.id, d.webhook_id, d.event, d.body, d.attempts, w.url, w.secret "
                "FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
                "WHERE d.claim = ? AND d.status = 'pending' ORDER BY d.id",
                [claim],
            )

        return self._uow.transaction(work)

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

        def work(_: object) -> bool:
            updated = self.rows(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, "
                "next_attempt_at = ?, claim = NULL, last_attempt_at = ?, last_status_code = ?, "
                "last_error = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? END "
                "WHERE id = ? AND claim = ? AND status = 'pending' RETURNING attempts",
                [
                    status,
                    next_attempt_at,
                    attempted_at,
                    status_code,
                    error,
                    status,
                    attempted_at,
                    delivery_id,
                    claim,
                ],
            )
            if not updated:
                return False
            self.rows(
                "INSERT INTO webhook_attempts VALUES (?, ?, ?, ?, ?, ?)",
                [delivery_id, updated[0][0], attempted_at, status_code, error, duration_ms],
            )
            return True

        return self._uow.transaction(work)

    def deliveries(self, webhook_id: int | None, limit: int) -> pl.DataFrame:
        """The newest deliveries (of one webhook, or all), newest first, with their last attempt."""
        return self.frame(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries d "
            "JOIN webhooks w ON w.id = d.webhook_id "
            "WHERE $webhook IS NULL OR d.webhook_id = $webhook ORDER BY d.id DESC LIMIT $limit",
            {"webhook": webhook_id, "limit": limit},
        )

    def attempts(self, delivery_id: int) -> pl.DataFrame:
        """A delivery's attempts in order."""
        return self.frame(
            "SELECT attempt, attempted_at, status_code, error, duration_ms FROM webhook_attempts "
            "WHERE delivery_id = $id ORDER BY attempt",
            {"id": delivery_id},
        )

    def purge(self, before: datetime) -> int:
        """Delete finished deliveries (and their attempts) created before `before`."""

        def work(_: object) -> int:
            old = "SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?"
            self.rows(f"DELETE FROM webhook_attempts WHERE delivery_id IN ({old})", [before])
            return len(
                self.rows(
                    "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ? "
                    "RETURNING id",
                    [before],
                )
            )

        return self._uow.transaction(work)
