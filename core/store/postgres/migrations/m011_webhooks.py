"""Webhooks (issue 17): registered URLs and the durable outbox of their deliveries (as DuckDB's m011).

Beside DuckDB's tables, the index the dispatcher's claim reads: pending rows by when they are due
(a partial index, so delivered rows, the most, cost it nothing), and deliveries by webhook for the
page's and `webhook deliveries --webhook`'s newest-first lists.
"""

VERSION = 11

STATEMENTS = [
    "CREATE SEQUENCE webhook_id_seq START 1",
    """CREATE TABLE webhooks (
        id BIGINT PRIMARY KEY DEFAULT nextval('webhook_id_seq'),
        url TEXT NOT NULL,
        -- While the webhook is live: its URL and a slot (1 to the most there may be), each unique,
        -- so two adds at once cannot both register one URL or pass the limit; NULL once removed.
        live_url TEXT UNIQUE,
        slot INTEGER UNIQUE,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        removed_at TIMESTAMPTZ
    )""",
    "CREATE SEQUENCE webhook_delivery_id_seq START 1",
    """CREATE TABLE webhook_deliveries (
        id BIGINT PRIMARY KEY DEFAULT nextval('webhook_delivery_id_seq'),
        webhook_id BIGINT NOT NULL,
        event TEXT NOT NULL,
        event_id TEXT NOT NULL,
        batch_id BIGINT,
        body TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        claim TEXT,
        last_attempt_at TIMESTAMPTZ,
        last_status_code INTEGER,
        last_error TEXT,
        delivered_at TIMESTAMPTZ
    )""",
    "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) "
    "WHERE status = 'pending'",
    "CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)",
    """CREATE TABLE webhook_attempts (
        delivery_id BIGINT NOT NULL,
        attempt INTEGER NOT NULL,
        attempted_at TIMESTAMPTZ NOT NULL,
        status_code INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
    )""",
]
