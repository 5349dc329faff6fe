"""API tokens (issue 17): personal tokens for the HTTP API, and the token's name in the audit log.

Only a token's SHA-256 is stored (as for login sessions), with its first characters (`prefix`)
so that lists can tell tokens apart. A revoked or expired token stays listed, with its times.
`audit_log.via` names the token an entry was written through (NULL: the app or the command line).
A token is looked up by its hash, once per API request: the primary key on `token_hash`
(an ART index) serves it; nothing else is indexed (an account has a handful of tokens).
"""

VERSION = 9

STATEMENTS = [
    "CREATE SEQUENCE api_token_id_seq START 1",
    """CREATE TABLE api_tokens (
        token_hash VARCHAR PRIMARY KEY,
        id BIGINT NOT NULL UNIQUE DEFAULT nextval('api_token_id_seq'),
        prefix VARCHAR NOT NULL,
        username VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        read_only BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        expires_at TIMESTAMPTZ,
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ
    )""",
    "ALTER TABLE audit_log ADD COLUMN via VARCHAR",
]
