"""PostgreSQL's webhooks repository: registered URLs and the durable outbox of their deliveries.

The SQL both stores share is in `core/store/shared/webhooks.py`; here is PostgreSQL's own.
Several dispatchers (apps and workers) share one database: a claim takes due rows with
`FOR UPDATE SKIP LOCKED` in one short statement and leases them (`next_attempt_at` moved to the
lease's end, under a claim token), so two dispatchers never post one delivery at once and none
waits for another; the post itself runs outside any transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.store.postgres.base import Repository
from core.store.shared.webhooks import SharedWebhooks

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


class PgWebhooks(SharedWebhooks, Repository):
    """`core.store.ports.webhooks.WebhooksRepository` on PostgreSQL."""

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
