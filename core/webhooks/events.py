"""The events a webhook can be told about, and putting one in the outbox.

`enqueue` runs in the caller's transaction (the publish, the chunk that finished a batch, the
chunk that ended a revoke): the delivery rows commit with the change or not at all, so a crash
or a restart loses no event and tells none that did not happen. The body is built once, then:
the batch as it is at that moment (`batch show --json`), the same bytes for every webhook.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from core.api import shapes
from core.batches.read_model import read
from core.store.ports import UnitOfWork

PUBLISHED = "batch.published"  # queued for publishing (or "Published" at once: no users)
FINISHED = "batch.finished"  # "Published" or "Partially published", with its counts
REVOKED = "batch.revoked"  # a revoke has ended: "Revoked" or "Partially revoked"
EVENTS = (PUBLISHED, FINISHED, REVOKED)
# Sent to one webhook on an admin's demand, to check the receiver.
TEST = "webhook.test"


def batch_object(uow: UnitOfWork, batch_id: int) -> dict:
    """The batch as `batch show --json` prints it (the one shape in core/api/shapes.py)."""
    return shapes.batch_summary(read(uow, batch_id))


def encode(payload: dict) -> str:
    """The body's text: compact JSON, the exact text that is signed and sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def enqueue(uow: UnitOfWork, event: str, batch_id: int) -> int:
    """Add the event for every webhook subscribed to it, in the caller's transaction; return how
    many deliveries were added (none, and nothing read, when no webhook subscribes)."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if not uow.webhooks.subscribed(event):
        return 0
    now = datetime.now(UTC)
    event_id = str(uuid.uuid4())
    body = encode(
        {
            "id": event_id,
            "event": event,
            "created_at": now.isoformat(),
            "batch": batch_object(uow, batch_id),
        }
    )
    return uow.webhooks.enqueue(event, event_id, batch_id, body, now)


def enqueue_test(uow: UnitOfWork, webhook_id: int, url: str) -> int:
    """Add a test event for one webhook; return how many deliveries were added (0: removed)."""
    now = datetime.now(UTC)
    event_id = str(uuid.uuid4())
    body = encode(
        {
            "id": event_id,
            "event": TEST,
            "created_at": now.isoformat(),
            "webhook": {"id": webhook_id, "url": url},
        }
    )
    return uow.webhooks.enqueue(TEST, event_id, None, body, now, webhook_id=webhook_id)
