"""The small worlds the tests build on: the three demo roles and where the test data files are."""

from __future__ import annotations

from pathlib import Path

from core.access.roles import Account, Role

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

admin = Account("ada", Role.ADMIN)
dev = Account("dan", Role.DEV)
analyst = Account("ann", Role.ANALYST)

# Badges 1-2 with quests 1-3 (ids from the sequences) and users 1-10; user 10 is inactive.
SMALL_WORLD = (
    "INSERT INTO badges (name) VALUES ('Explorer'), ('Mentor')",
    "INSERT INTO quests (badge_id, name) VALUES "
    "(1, 'Visit 10 pages'), (1, 'Visit 100 pages'), (2, 'Answer a question')",
    """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active)
       SELECT i, 'user' || i, 'user' || i || '@example.com', 'user' || i,
              'user' || i || '@example.com', i <> 10
       FROM generate_series(1, 10) r(i)""",
)
