"""The first schema on PostgreSQL: the DuckDB store's version 1, in PostgreSQL's types.

Version numbers match the DuckDB store's: a database at version N holds the same tables and
columns as a DuckDB file at version N (indexes differ: each store has the ones its planner uses),
which is what `copy-store` checks before copying.
"""

VERSION = 1

STATEMENTS = [
    """CREATE TABLE platform_users (
        id BIGINT PRIMARY KEY,
        username TEXT NOT NULL,
        email TEXT NOT NULL,
        username_norm TEXT NOT NULL,
        email_norm TEXT NOT NULL,
        active BOOLEAN NOT NULL DEFAULT TRUE
    )""",
    "CREATE SEQUENCE badge_id_seq START 1",
    "CREATE SEQUENCE quest_id_seq START 1",
    """CREATE TABLE badges (
        id INTEGER PRIMARY KEY DEFAULT nextval('badge_id_seq'),
        name TEXT NOT NULL UNIQUE,
        archived BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE quests (
        id INTEGER PRIMARY KEY DEFAULT nextval('quest_id_seq'),
        badge_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        archived BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        UNIQUE (badge_id, name)
    )""",
    "CREATE SEQUENCE batch_id_seq START 1",
    """CREATE TABLE batches (
        id BIGINT PRIMARY KEY DEFAULT nextval('batch_id_seq'),
        name TEXT NOT NULL,
        quest_id INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'draft',
        created_by TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        queued_at TIMESTAMPTZ,
        n_users INTEGER NOT NULL DEFAULT 0,
        n_unpublished INTEGER NOT NULL DEFAULT 0,
        n_in_progress INTEGER NOT NULL DEFAULT 0,
        n_published INTEGER NOT NULL DEFAULT 0,
        n_error INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE batch_users (
        batch_id BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        status TEXT NOT NULL DEFAULT 'unpublished',
        error_reason TEXT,
        added_via TEXT NOT NULL,
        added_by TEXT NOT NULL,
        added_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        processed_at TIMESTAMPTZ,
        PRIMARY KEY (batch_id, user_id)
    )""",
    # The publisher's claim reads a batch's pending users; a user's batches are read by user.
    "CREATE INDEX batch_users_pending ON batch_users (batch_id, user_id) "
    "WHERE status IN ('unpublished', 'in_progress')",
    "CREATE INDEX batch_users_user ON batch_users (user_id)",
    """CREATE TABLE unlocks (
        user_id BIGINT NOT NULL,
        quest_id INTEGER NOT NULL,
        batch_id BIGINT,
        unlocked_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (user_id, quest_id)
    )""",
    "CREATE INDEX unlocks_batch ON unlocks (batch_id)",
    """CREATE TABLE accounts (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        email TEXT,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        expires_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE SEQUENCE audit_id_seq START 1",
    """CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
        happened_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        batch_id BIGINT,
        detail TEXT
    )""",
    "CREATE INDEX audit_log_batch ON audit_log (batch_id, id)",
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
]
