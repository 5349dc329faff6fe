"""Webhooks (issue 17): registered URLs and the durable outbox of their deliveries.

A delivery row is written in the transaction of the change it tells about (core.webhooks.events),
so a crash or a restart loses none; the dispatcher claims due rows, posts them outside any
transaction and records each attempt. `events` is a comma-separated list of event names (text
copies between stores as it is). The secret is kept as written: signing needs it, unlike a
password or a token, which are only ever compared.
"""

VERSION = 11

STATEMENTS = [
    "CREATE SEQUENCE webhook_id_seq START 1",
    """CREATE TABLE webhooks (
        id BIGINT PRIMARY KEY DEFAULT nextval('webhook_id_seq'),
        url VARCHAR NOT NULL,
        -- While the webhook is live: its URL and a slot (1 to the most there may be), each unique,
        -- so two adds at once cannot both register one URL or pass the limit; NULL once removed.
        live_url VARCHAR UNIQUE,
        slot INTEGER UNIQUE,
        events VARCHAR NOT NULL,
        secret VARCHAR NOT NULL,
        created_by VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        removed_at TIMESTAMPTZ
    )""",
    "CREATE SEQUENCE webhook_delivery_id_seq START 1",
    # status: pending (waiting or leased: next_attempt_at is then the lease's end), delivered,
    # failed (gave up), cancelled (its webhook was removed before it went out).
    """CREATE TABLE webhook_deliveries (
        id BIGINT PRIMARY KEY DEFAULT nextval('webhook_delivery_id_seq'),
        webhook_id BIGINT NOT NULL,
        event VARCHAR NOT NULL,
        event_id VARCHAR NOT NULL,
        batch_id BIGINT,
        body VARCHAR NOT NULL,
        status VARCHAR NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        claim VARCHAR,
        last_attempt_at TIMESTAMPTZ,
        last_status_code INTEGER,
        last_error VARCHAR,
        delivered_at TIMESTAMPTZ
    )""",
    """CREATE TABLE webhook_attempts (
        delivery_id BIGINT NOT NULL,
        attempt INTEGER NOT NULL,
        attempted_at TIMESTAMPTZ NOT NULL,
        status_code INTEGER,
        error VARCHAR,
        duration_ms INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
    )""",
]
