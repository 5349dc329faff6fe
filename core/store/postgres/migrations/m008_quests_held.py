"""Quests held (issue 16): each platform user's count of unlocks held now, stored (as DuckDB's m008).

Every write of `unlocks` keeps it in the same transaction, set-based; here it is counted once
from the unlocks a database already has (a constant default adds the column without rewriting a
row; only holders are updated). The index serves the sort by quests held, most or fewest first
(ties by id, read backwards for descending), carrying `active` as the date indexes do; it is
built after the backfill, not updated row by row during it.
"""

VERSION = 8

STATEMENTS = [
    "ALTER TABLE platform_users ADD COLUMN quests_held INTEGER NOT NULL DEFAULT 0",
    """UPDATE platform_users p SET quests_held = h.n
        FROM (SELECT user_id, count(*)::integer AS n FROM unlocks GROUP BY user_id) h
        WHERE p.id = h.user_id""",
    "CREATE INDEX platform_users_quests_held ON platform_users (quests_held, id) INCLUDE (active)",
]
