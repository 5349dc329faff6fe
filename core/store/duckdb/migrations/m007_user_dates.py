"""Users segments (issue 16): when each platform user registered and was last active.

Both are NULL for users the store already has (and for imports that do not carry them): a user
never active matches no "last active" date filter. DuckDB filters them with columnar scans and
zone maps, so no index is added (an ART index would only slow every import).
"""

VERSION = 7

STATEMENTS = [
    "ALTER TABLE platform_users ADD COLUMN registered_at TIMESTAMPTZ",
    "ALTER TABLE platform_users ADD COLUMN last_active_at TIMESTAMPTZ",
]
