"""The quests each user holds, as a list beside m008's count (issue 16, speed), with a GIN index.

The Users page's text filter beside "holds" read every holder's row for its names, or every
candidate of the text for its quests (text 'smith' + active + holds 2 at 10M: 1.2-1.3 s). With
the held quests on the user's row and indexed, the trigram index's bitmap and this one's are
combined (a BitmapAnd) and only the users in both are read. Every write of `unlocks` keeps the
list in the same statement as the count (publishing_sql.held_ctes); here it is filled once from
the unlocks a database already has (only holders are updated), and the index is built after.
DuckDB's m013 is a step with no statement: its planner scans columns, it has no use for it.
"""

VERSION = 13

# Each holder's list from the unlocks (also copy-store's, after a load: the list is not copied).
FILL = """UPDATE platform_users p SET quests = h.quests
        FROM (SELECT user_id, array_agg(quest_id ORDER BY quest_id) AS quests
              FROM unlocks GROUP BY user_id) h
        WHERE p.id = h.user_id"""

STATEMENTS = [
    "ALTER TABLE platform_users ADD COLUMN quests INTEGER[] NOT NULL DEFAULT '{}'",
    FILL,
    "CREATE INDEX platform_users_quests ON platform_users USING gin (quests)",
]
