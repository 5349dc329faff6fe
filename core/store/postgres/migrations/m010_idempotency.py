"""Idempotency keys of API writes (issue 17), as DuckDB's m010; the purge reads `created_at`'s index.

A concurrent claim of one key waits on the primary key for the first transaction, then fails:
the caller replays the first answer (core/api/idempotency.py).
"""

VERSION = 10

STATEMENTS = [
    """CREATE TABLE api_idempotency (
        username TEXT NOT NULL,
        token_name TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL DEFAULT 0,
        answer TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (username, token_name, idem_key)
    )""",
    "CREATE INDEX api_idempotency_created ON api_idempotency (created_at)",
]
