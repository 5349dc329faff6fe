"""Undo (issue 15): pausing a batch, revoking what it unlocked, and the record of each revoke.

A paused batch keeps its status and its queue place (`paused_at` set: the publisher skips it).
A user asked to be revoked is "revoking" with the reason, who and when; once the publisher has
taken the unlock back, "revoked" (`kept_by_batch`: the batch whose unlock the user keeps, if
another batch of the quest holds it). `revocations` keeps one row per unlock deleted, and
`revoke_counts` counts them per batch, quest and UTC quarter hour as unlock_counts counts unlocks.
Existing batches and users get no pause and zero revokes.
"""

VERSION = 6

STATEMENTS = [
    "ALTER TABLE batches ADD COLUMN paused_at TIMESTAMPTZ",
    "ALTER TABLE batches ADD COLUMN paused_by VARCHAR",
    "ALTER TABLE batches ADD COLUMN n_revoking INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE batches ADD COLUMN n_revoked INTEGER NOT NULL DEFAULT 0",
    # Users already revoked when the latest revoke was asked for (its progress leaves them out).
    "ALTER TABLE batches ADD COLUMN revoked_before INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE batch_users ADD COLUMN revoke_reason VARCHAR",
    "ALTER TABLE batch_users ADD COLUMN revoked_by VARCHAR",
    "ALTER TABLE batch_users ADD COLUMN revoke_requested_at TIMESTAMPTZ",
    "ALTER TABLE batch_users ADD COLUMN revoked_at TIMESTAMPTZ",
    "ALTER TABLE batch_users ADD COLUMN kept_by_batch BIGINT",
    """CREATE TABLE revocations (
        user_id BIGINT NOT NULL,
        quest_id INTEGER NOT NULL,
        batch_id BIGINT,
        unlocked_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ NOT NULL,
        revoked_by VARCHAR,
        reason VARCHAR
    )""",
    "CREATE INDEX revocations_user ON revocations (user_id)",
    "CREATE INDEX revocations_batch ON revocations (batch_id)",
    """CREATE TABLE revoke_counts (
        batch_id BIGINT NOT NULL,
        quest_id INTEGER NOT NULL,
        quarter BIGINT NOT NULL,  -- epoch_us(revoked_at) // 900000000
        revokes BIGINT NOT NULL,
        PRIMARY KEY (batch_id, quest_id, quarter)
    )""",
]
