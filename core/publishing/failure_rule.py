"""Why the publisher cannot unlock a user: the one rule, in words.

The worker records the reason of each user it cannot unlock; Retry errors and the Publish
confirmation tell in advance who would fail, and why. The store checks the failures in `CODES`
order, the first that holds being the one reported (its SQL: core/store/duckdb/publishing_sql.py).
"""

from __future__ import annotations

# Checked in this order: a deleted user is "deleted", not also "inactive".
CODES = ("deleted", "inactive", "quest_gone", "badge_archived", "quest_archived")

# The reason stored with a user in "Error" and shown next to that status.
REASONS = {
    "deleted": "The user was deleted from the platform after being added to the batch.",
    "inactive": "The user was deactivated after being added to the batch.",
    "quest_gone": "The badge quest no longer exists.",
    "badge_archived": "The badge was archived, so its quests can no longer be unlocked.",
    "quest_archived": "The badge quest was archived, so it can no longer be unlocked.",
}

# The same failures in a count ("2 still deactivated"), for Retry errors and the Publish question.
PHRASES = {
    "deleted": "deleted from the platform",
    "inactive": "still deactivated",
    "quest_gone": "the badge quest no longer exists",
    "badge_archived": "the badge is archived",
    "quest_archived": "the badge quest is archived",
}


def counted(failing: dict[str, int]) -> str:
    """Say how many fail for each reason: "1 still deactivated, 2 deleted from the platform"."""
    return ", ".join(f"{n:,} {PHRASES[code]}" for code, n in failing.items())
