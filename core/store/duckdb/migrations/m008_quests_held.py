"""Quests held (issue 16): each platform user's count of unlocks held now, stored.

The Users page sorts by it; counting every user's unlocks per query cost about a second at 10M
users. Every write of `unlocks` keeps it in the same transaction (publishing, revoking, the demo),
set-based; here it is counted once from the unlocks an older file already has.
"""

VERSION = 8

STATEMENTS = [
    "ALTER TABLE platform_users ADD COLUMN quests_held INTEGER NOT NULL DEFAULT 0",
    """UPDATE platform_users p SET quests_held = h.n
        FROM (SELECT user_id, count(*)::INTEGER AS n FROM unlocks GROUP BY user_id) h
        WHERE p.id = h.user_id""",
]
