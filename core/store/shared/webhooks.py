"""The webhooks repository's SQL, once for both stores: registered URLs and the durable outbox.

Mixed into each adapter's class (`core/store/duckdb/webhooks.py`, `core/store/postgres/webhooks.py`)
before its `Repository`, whose `sql`, `rows`, `scalar`, `frame` and unit of work it runs on. Each
adapter adds what its dialect does its own way: claiming due deliveries, and purging.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

_DELIVERY_COLUMNS = """
    d.id, d.webhook_id, w.url, d.event, d.batch_id, d.status, d.attempts, d.created_at,
    d.last_attempt_at, d.last_status_code, d.last_error, d.next_attempt_at, d.delivered_at
"""

# A webhook subscribes to an event when the event's name is one of its comma-separated names.
_SUBSCRIBES = "strpos(',' || w.events || ',', ',' || ? || ',') > 0"


class SharedWebhooks:
    """The SQL behind `core.store.ports.webhooks.WebhooksRepository` but `claim_due` and `purge`."""

    def add(self, url: str, events: str, secret: str, created_by: str, most: int) -> int | None:
        """Register a webhook in the lowest free slot up to `most`; return its id (None: no slot)."""
        return self._uow.transaction(
            lambda _: self.scalar(
                self.sql(
                    "INSERT INTO webhooks (url, live_url, slot, events, secret, created_by) "
                    "SELECT ?, ?, min(free.n), ?, ?, ? FROM generate_series(1, ?) free(n) "
                    "WHERE free.n NOT IN (SELECT slot FROM webhooks WHERE slot IS NOT NULL) "
                    "HAVING min(free.n) IS NOT NULL RETURNING id"
                ),
                [url, url, events, secret, created_by, most],
            )
        )

    def get(self, webhook_id: int) -> tuple[Any, ...] | None:
        """Return (id, url, events, created_by, created_at, removed_at) of a webhook, or None."""
        found = self.rows(
            self.sql(
                "SELECT id, url, events, created_by, created_at, removed_at FROM webhooks "
                "WHERE id = ?"
            ),
            [webhook_id],
        )
        return found[0] if found else None

    def webhooks(self) -> pl.DataFrame:
        """Every webhook not removed, oldest first (never the secret)."""
        return self.frame(
            self.sql(
                "SELECT id, url, events, created_by, created_at FROM webhooks "
                "WHERE removed_at IS NULL ORDER BY id"
            )
        )

    def active_with_url(self, url: str) -> int | None:
        """Return the id of the webhook not removed that posts to exactly `url`, if any."""
        return self.scalar(self.sql("SELECT id FROM webhooks WHERE live_url = ?"), [url])

    def remove(self, webhook_id: int, at: datetime) -> int:
        """Mark a webhook removed and cancel its pending deliveries; return how many were cancelled."""

        def work(_: object) -> int:
            self.rows(
                self.sql(
                    "UPDATE webhooks SET removed_at = ?, live_url = NULL, slot = NULL WHERE id = ?"
                ),
                [at, webhook_id],
            )
            cancelled = self.rows(
                self.sql(
                    "UPDATE webhook_deliveries SET status = 'cancelled', claim = NULL "
                    "WHERE webhook_id = ? AND status = 'pending' RETURNING id"
                ),
                [webhook_id],
            )
            return len(cancelled)

        return self._uow.transaction(work)

    def subscribed(self, event: str) -> int:
        """Count the webhooks not removed that subscribe to `event`."""
        return self.scalar(
            self.sql(
                f"SELECT count(*) FROM webhooks w WHERE w.removed_at IS NULL AND {_SUBSCRIBES}"
            ),
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
            self.sql(
                "INSERT INTO webhook_deliveries "
                "(webhook_id, event, event_id, batch_id, body, created_at, next_attempt_at) "
                "SELECT w.id, ?, ?, ?, ?, ?, ? FROM webhooks w "
                f"WHERE w.removed_at IS NULL AND {which} RETURNING id"
            ),
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
                self.sql(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, "
                    "next_attempt_at = ?, claim = NULL, last_attempt_at = ?, "
                    "last_status_code = ?, last_error = ?, "
                    "delivered_at = CASE WHEN ? = 'delivered' THEN ? END "
                    "WHERE id = ? AND claim = ? AND status = 'pending' RETURNING attempts"
                ),
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
                self.sql("INSERT INTO webhook_attempts VALUES (?, ?, ?, ?, ?, ?)"),
                [delivery_id, updated[0][0], attempted_at, status_code, error, duration_ms],
            )
            return True

        return self._uow.transaction(work)

    def deliveries(self, webhook_id: int | None, limit: int) -> pl.DataFrame:
        """The newest deliveries (of one webhook, or all), newest first, with their last attempt."""
        which, params = (
            ("d.webhook_id = ?", [webhook_id]) if webhook_id is not None else ("TRUE", [])
        )
        return self.frame(
            self.sql(
                f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries d "
                f"JOIN webhooks w ON w.id = d.webhook_id WHERE {which} "
                "ORDER BY d.id DESC LIMIT ?"
            ),
            [*params, limit],
        )

    def attempts(self, delivery_id: int) -> pl.DataFrame:
        """A delivery's attempts in order."""
        return self.frame(
            self.sql(
                "SELECT attempt, attempted_at, status_code, error, duration_ms "
                "FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt"
            ),
            [delivery_id],
        )
