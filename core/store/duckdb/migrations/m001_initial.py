"""The first schema: platform users, badges and quests, batches, unlocks, accounts, audit log."""

VERSION = 1

STATEMENTS = [
    # Platform users: *_norm columns are stored so matching never lowercases 10M rows per query.
    """CREATE TABLE platform_users (
        id BIGINT PRIMARY KEY,
        username VARCHAR NOT NULL,
        email VARCHAR NOT NULL,
        username_norm VARCHAR NOT NULL,
        email_norm VARCHAR NOT NULL,
        active BOOLEAN NOT NULL DEFAULT TRUE
    )""",
    "CREATE SEQUENCE badge_id_seq START 1",
    "CREATE SEQUENCE quest_id_seq START 1",
    """CREATE TABLE badges (
        id INTEGER PRIMARY KEY DEFAULT nextval('badge_id_seq'),
        name VARCHAR NOT NULL UNIQUE,
        archived BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE quests (
        id INTEGER PRIMARY KEY DEFAULT nextval('quest_id_seq'),
        badge_id INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        archived BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        UNIQUE (badge_id, name)
    )""",
    "CREATE SEQUENCE batch_id_seq START 1",
    # status: draft | unpublished | in_progress | published | partially_published.
    # The n_* counters are kept by every write so the list never aggregates batch_users.
    """CREATE TABLE batches (
        id BIGINT PRIMARY KEY DEFAULT nextval('batch_id_seq'),
        name VARCHAR NOT NULL,
        quest_id INTEGER NOT NULL,
        status VARCHAR NOT NULL DEFAULT 'draft',
        created_by VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        queued_at TIMESTAMPTZ,
        n_users INTEGER NOT NULL DEFAULT 0,
        n_unpublished INTEGER NOT NULL DEFAULT 0,
        n_in_progress INTEGER NOT NULL DEFAULT 0,
        n_published INTEGER NOT NULL DEFAULT 0,
        n_error INTEGER NOT NULL DEFAULT 0
    )""",
    # status: unpublished | in_progress | published | error. added_via: csv | single | cli | demo.
    """CREATE TABLE batch_users (
        batch_id BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        status VARCHAR NOT NULL DEFAULT 'unpublished',
        error_reason VARCHAR,
        added_via VARCHAR NOT NULL,
        added_by VARCHAR NOT NULL,
        added_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        processed_at TIMESTAMPTZ,
        PRIMARY KEY (batch_id, user_id)
    )""",
    # One unlock per user and quest, ever: the primary key is what makes publishing exactly-once.
    """CREATE TABLE unlocks (
        user_id BIGINT NOT NULL,
        quest_id INTEGER NOT NULL,
        batch_id BIGINT,
        unlocked_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (user_id, quest_id)
    )""",
    """CREATE TABLE accounts (
        username VARCHAR PRIMARY KEY,
        password_hash VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        email VARCHAR,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    # Login sessions: only a hash of the cookie's token is stored.
    """CREATE TABLE sessions (
        token_hash VARCHAR PRIMARY KEY,
        username VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        expires_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE SEQUENCE audit_id_seq START 1",
    """CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
        happened_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        batch_id BIGINT,
        detail VARCHAR
    )""",
    """CREATE TABLE settings (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    )""",
]
