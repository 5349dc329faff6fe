"""The one rule for why the publisher cannot unlock a user: its single home, in SQL.

The worker applies it to each chunk (and records the reason); Retry errors and the Publish
confirmation apply it to tell in advance who would fail. Each caller names how a failure is
written: the worker as its reason parameters, the others as the codes below.
"""

from __future__ import annotations

# Checked in this order: the first that holds is the failure.
CODES = ("deleted", "inactive", "quest_gone", "badge_archived", "quest_archived")

# The tables the rule reads, joined to a query that has the user id and the quest id.
JOINS = """
    LEFT JOIN platform_users p ON p.id = {user_id}
    LEFT JOIN quests q ON q.id = {quest_id}
    LEFT JOIN badges bd ON bd.id = q.badge_id
"""


def joins(user_id: str, quest_id: str) -> str:
    """The joins of the rule, on the query's user id and quest id columns."""
    return JOINS.format(user_id=user_id, quest_id=quest_id)


def case(written: dict[str, str]) -> str:
    """The SQL CASE giving the failure (NULL when the user can be unlocked).

    `written` maps each code to its SQL: a parameter (`$inactive`) or a literal (`'inactive'`),
    never text from a user.
    """
    return f"""CASE
               WHEN p.id IS NULL THEN {written["deleted"]}
               WHEN NOT p.active THEN {written["inactive"]}
               WHEN q.id IS NULL OR bd.id IS NULL THEN {written["quest_gone"]}
               WHEN bd.archived THEN {written["badge_archived"]}
               WHEN q.archived THEN {written["quest_archived"]}
           END"""


AS_CODES = case({code: f"'{code}'" for code in CODES})
AS_PARAMETERS = case({code: f"${code}" for code in CODES})
