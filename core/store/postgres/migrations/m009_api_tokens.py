"""API tokens (issue 17): personal tokens for the HTTP API, and the token's name in the audit log.

As DuckDB's m009: only a token's SHA-256 is stored (its primary key: one lookup per API request),
with its first characters (`prefix`) for lists; `audit_log.via` names the token an entry was
written through. An account's tokens are listed by (username, id). Adding a NULL column to
`audit_log` rewrites no row.
"""

VERSION = 9

STATEMENTS = [
    "CREATE SEQUENCE api_token_id_seq START 1",
    """CREATE TABLE api_tokens (
        token_hash TEXT PRIMARY KEY,
        id BIGINT NOT NULL UNIQUE DEFAULT nextval('api_token_id_seq'),
        prefix TEXT NOT NULL,
        username TEXT NOT NULL,
        name TEXT NOT NULL,
        read_only BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        expires_at TIMESTAMPTZ,
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ
    )""",
    "CREATE INDEX api_tokens_account ON api_tokens (username, id)",
    "ALTER TABLE audit_log ADD COLUMN via TEXT",
]
