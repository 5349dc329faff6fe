"""Lookup keys for matching uploads and suggesting usernames fast among millions of users.

Scanning 10M usernames or emails costs 200-300 ms per column in DuckDB (decompressing strings),
so the preview and the username suggestions read this copy instead: integer hash keys for exact
matches (an integer join costs ~80 ms at 10M), each with a second, independent hash that confirms
a hit (checking the strings themselves would read them all again), and the first 8 bytes of the
username as an integer, stored in sorted runs so a prefix search touches one or two row groups.
core/store/duckdb/user_index.py keeps it in step with platform_users (`sync_index`, run by
core.batches.matching.sync_user_index); it is derived data and can be rebuilt at any time.
"""

VERSION = 2

STATEMENTS = [
    """CREATE TABLE user_lookup (
        id BIGINT NOT NULL,
        username_key UBIGINT NOT NULL,
        username_check UBIGINT NOT NULL,
        email_key UBIGINT NOT NULL,
        email_check UBIGINT NOT NULL,
        prefix_key UBIGINT NOT NULL,
        name_length SMALLINT NOT NULL,
        -- Stored plain: "contains" must read every name, and decompressing them was most of
        -- the cost (3x slower with the default dictionary/FSST compression).
        username_norm VARCHAR USING COMPRESSION uncompressed NOT NULL
    )""",
    # One row: what platform_users looked like when user_lookup was last brought up to date.
    """CREATE TABLE user_lookup_state (
        singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
        n_users BIGINT NOT NULL,
        max_id BIGINT NOT NULL,
        import_mark BIGINT NOT NULL,
        hash_probe UBIGINT NOT NULL,
        synced_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    # Present from the start and only ever UPDATEd, so two first syncs at once conflict (and are
    # retried) instead of both inserting it. hash_probe 0 never matches: the first sync rebuilds.
    "INSERT INTO user_lookup_state (n_users, max_id, import_mark, hash_probe) VALUES (-1, -1, -1, 0)",
]
