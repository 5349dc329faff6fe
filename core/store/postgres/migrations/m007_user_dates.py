"""Users segments (issue 16): when each platform user registered and was last active (as DuckDB's m007).

Beside DuckDB's two columns, the indexes the Users page's filters and sorts read:
- each date with the id, never-set dates first (NULLS FIRST): a date range is one index range,
  and the list's order by date ("never" as the oldest, ties by id) is the index's order read
  forwards or backwards, so the first page stops after a page of rows; each carries `active`;
- (active, id): deactivated users are few, and the list's id order comes off the index;
- emails in byte order (text_pattern_ops, as m002 made for usernames), carrying (id, active):
  the sort by email reads it in order; it replaces m002's email index, whose equality lookups
  it serves as well;
- a trigram index on emails, beside m002's on usernames: "username or email contains";
- unlocks by (quest_id, user_id): "holds" / "does not hold" read one quest's holders (the
  primary key is (user_id, quest_id), which serves the user page and quests held per user).
batch_users' primary key (batch_id, user_id) already serves "is / is not in batch".
Adding NULL columns rewrites no row.
"""

VERSION = 7

STATEMENTS = [
    """ALTER TABLE platform_users
        ADD COLUMN registered_at TIMESTAMPTZ,
        ADD COLUMN last_active_at TIMESTAMPTZ""",
    "CREATE INDEX platform_users_registered ON platform_users (registered_at NULLS FIRST, id) "
    "INCLUDE (active)",
    "CREATE INDEX platform_users_last_active ON platform_users (last_active_at NULLS FIRST, id) "
    "INCLUDE (active)",
    "CREATE INDEX platform_users_active ON platform_users (active, id)",
    "DROP INDEX platform_users_email_norm",
    "CREATE INDEX platform_users_email_norm ON platform_users "
    "(email_norm text_pattern_ops) INCLUDE (id, active)",
    "CREATE INDEX platform_users_email_trgm ON platform_users USING gin (email_norm gin_trgm_ops)",
    "CREATE INDEX unlocks_quest_user ON unlocks (quest_id, user_id)",
]
