"""DuckDB's webhooks repository: registered URLs and the durable outbox of their deliveries.

The SQL both stores share is in `core/store/shared/webhooks.py`; here is DuckDB's own. One
process owns a DuckDB file, so a claim is a lease written in a short transaction (the
delivery's `next_attempt_at` moved to the lease's end, under a claim token); a dispatcher that
dies mid-post leaves the row to be taken again when the lease ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.store.duckdb.base import Repository
from core.store.shared.webhooks import SharedWebhooks

_DUE = """
    SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
    WHERE d.status = 'pending' AND w.removed_at IS NULL AND d.next_attempt_at <= ?
    ORDER BY d.next_attempt_at, d.id
    LIMIT ?
"""


class DuckWebhooks(SharedWebhooks, Repository):
    """`core.store.ports.webhooks.WebhooksRepository` on DuckDB."""

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
