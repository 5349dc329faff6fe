"""The quests each user holds, as a list (issue 16, speed): a step of PostgreSQL's alone, no statement here.

PostgreSQL's m013 stores each user's held quests beside m008's count, with a GIN index its
planner combines with the trigram index of the names; DuckDB scans columns and reads the unlocks
for "holds" as fast without it. The step keeps both stores' versions step for step, so a file and
a database at version 13 hold the same tables (copy-store leaves PostgreSQL's derived list out
of the comparison and fills it after the load).
"""

VERSION = 13

STATEMENTS: list[str] = []
