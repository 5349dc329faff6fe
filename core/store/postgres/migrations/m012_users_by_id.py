"""The users' dates beside their id (issue 16, speed): m002's `(id) INCLUDE (active)` carries the dates too.

The Users page's bounded count with "holds" beside a date filter reads a quest's holders in
user_id order and looks each one up among the users (core/store/postgres/users_count.py): with
the dates in the index that lookup reads the index alone, not a table page per holder (all at once
at 10M: about 120,000 lookups). The index keeps its name and serves what it served (an upload's
matches by User ID); replacing it rather than adding one beside it keeps the writes of
platform_users at the same number of indexes. DuckDB's m012 is a step with no statement: its
planner uses no such index.
"""

VERSION = 12

STATEMENTS = [
    "DROP INDEX platform_users_id_active",
    "CREATE UNIQUE INDEX platform_users_id_active ON platform_users (id) "
    "INCLUDE (active, registered_at, last_active_at)",
]
