"""The users' dates beside their id (issue 16, speed): a step of PostgreSQL's alone, no statement here.

PostgreSQL's m012 widens an index its planner reads (the users' dates carried beside the id);
DuckDB has no such index to change. The step keeps both stores' versions step for step, so a file
and a database at version 12 hold the same tables and columns (what `copy-store` checks).
"""

VERSION = 12

STATEMENTS: list[str] = []
