"""Idempotency keys of API writes (issue 17): the first answer to a key, kept for 24 hours.

A write sent with an `Idempotency-Key` header claims its row (account, token, key) in the write's
own transaction, then stores its answer there: a retry, or a duplicate sent at the same moment,
finds the row and gets the first answer, and the work is done once (core/api/idempotency.py).
`fingerprint` is the request's method, path, query and body hash: the same key with another
request is refused. Rows older than a day are purged; the primary key serves every lookup.
"""

VERSION = 10

STATEMENTS = [
    """CREATE TABLE api_idempotency (
        username VARCHAR NOT NULL,
        token_name VARCHAR NOT NULL,
        idem_key VARCHAR NOT NULL,
        fingerprint VARCHAR NOT NULL,
        status INTEGER NOT NULL DEFAULT 0,     -- 0 until the claiming transaction answers
        answer VARCHAR NOT NULL DEFAULT '',    -- the answer as JSON text
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (username, token_name, idem_key)
    )""",
]
