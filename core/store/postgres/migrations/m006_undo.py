"""Undo (issue 15): pausing a batch, revoking what it unlocked, and the record of each revoke (as DuckDB's m006).

Beside DuckDB's columns and tables: a partial index of the users waiting to be revoked (the
publisher's revoke chunks read them per batch, as batch_users_pending serves publish chunks), and
the batch list's status sort index again, over the status order and progress rule that now know
the revoked statuses (core/store/sql_rules.py STATUS_RANK and progress_sql, written out as they
stand at this version; tests/store/test_pg_history.py checks that the planner uses it).
"""

VERSION = 6

STATEMENTS = [
    """ALTER TABLE batches
        ADD COLUMN paused_at TIMESTAMPTZ,
        ADD COLUMN paused_by TEXT,
        ADD COLUMN n_revoking INTEGER NOT NULL DEFAULT 0,
        ADD COLUMN n_revoked INTEGER NOT NULL DEFAULT 0,
        ADD COLUMN revoked_before INTEGER NOT NULL DEFAULT 0""",
    """ALTER TABLE batch_users
        ADD COLUMN revoke_reason TEXT,
        ADD COLUMN revoked_by TEXT,
        ADD COLUMN revoke_requested_at TIMESTAMPTZ,
        ADD COLUMN revoked_at TIMESTAMPTZ,
        ADD COLUMN kept_by_batch BIGINT""",
    """CREATE TABLE revocations (
        user_id BIGINT NOT NULL,
        quest_id INTEGER NOT NULL,
        batch_id BIGINT,
        unlocked_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ NOT NULL,
        revoked_by TEXT,
        reason TEXT
    )""",
    "CREATE INDEX revocations_user ON revocations (user_id)",
    "CREATE INDEX revocations_batch ON revocations (batch_id)",
    """CREATE TABLE revoke_counts (
        batch_id BIGINT NOT NULL,
        quest_id INTEGER NOT NULL,
        quarter BIGINT NOT NULL,  -- microseconds since the epoch // 900000000
        revokes BIGINT NOT NULL,
        PRIMARY KEY (batch_id, quest_id, quarter)
    )""",
    "CREATE INDEX batch_users_revoking ON batch_users (batch_id, user_id) "
    "WHERE status = 'revoking'",
    "DROP INDEX batches_status_order",
    """CREATE INDEX batches_status_order ON batches (
        (CASE status WHEN 'draft' THEN 0 WHEN 'unpublished' THEN 1 WHEN 'in_progress' THEN 2
                     WHEN 'published' THEN 3 WHEN 'partially_published' THEN 4
                     WHEN 'revoking' THEN 5 WHEN 'revoked' THEN 6
                     WHEN 'partially_revoked' THEN 7 END),
        (CASE WHEN status = 'revoking'
              THEN CASE WHEN n_revoking + n_revoked - revoked_before <= 0 THEN 0
                        ELSE (100 * (n_revoked - revoked_before))
                             / (n_revoking + n_revoked - revoked_before) END
              WHEN n_users = 0
              THEN CASE WHEN status IN ('published', 'partially_published', 'revoked',
                                        'partially_revoked') THEN 100 ELSE 0 END
              ELSE (100 * (n_published + n_error + n_revoked)) / n_users END),
        id)""",
]
