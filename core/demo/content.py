"""What the demo holds: its accounts, badges and quests, name parts, and the shape of its history."""

from __future__ import annotations

from typing import NamedTuple

from core.access.roles import Role
from core.batches import rules

DEFAULT_USERS = 50_000
MAX_USERS = 10_000_000

# Demo-only credentials, printed in the README; never use them for real data.
DEMO_ACCOUNTS = [
    ("admin", Role.ADMIN, "admin-demo", "admin@demo.example"),
    ("dev", Role.DEV, "dev-demo-1", "dev@demo.example"),
    ("analyst", Role.ANALYST, "analyst-demo", "analyst@demo.example"),
]

BADGES = {
    "Explorer": ["Visit 10 pages", "Visit 100 pages", "Visit every section"],
    "Contributor": ["First post", "10 posts", "100 posts", "1,000 posts"],
    "Mentor": ["Answer a question", "10 accepted answers"],
    "Early bird": ["Log in before 7 am"],
    "Streak": ["7-day streak", "30-day streak", "365-day streak"],
    "Reviewer": ["First review", "50 reviews"],
    "Team player": ["Join a team", "Lead a team project"],
    "Learner": ["Finish a course", "Finish 5 courses", "Finish 20 courses"],
    "Event goer": ["Attend an event", "Attend 10 events"],
    "Ambassador": ["Invite a friend", "Invite 10 friends", "Host a meetup"],
    "Bug hunter": ["Report a bug", "Report 10 bugs"],
    "Legacy member": ["Member since 2020"],
}
ARCHIVED_QUEST = ("Legacy member", "Member since 2020")

FIRST = [
    "alex",
    "sam",
    "maria",
    "li",
    "noah",
    "emma",
    "omar",
    "sofia",
    "yuki",
    "ivan",
    "chloe",
    "mateo",
    "amara",
    "lucas",
    "zoe",
    "ravi",
    "nina",
    "hugo",
    "lea",
    "felix",
]
LAST = [
    "smith",
    "garcia",
    "chen",
    "muller",
    "rossi",
    "dubois",
    "kowalski",
    "silva",
    "kim",
    "nguyen",
    "okafor",
    "johansson",
    "novak",
    "haddad",
    "tanaka",
    "moreau",
    "lopez",
    "ali",
]
DOMAINS = ["example.com", "mail.example", "corp.example", "school.example"]

BATCH_NAMES = [
    "Spring onboarding",
    "Hackathon winners",
    "Community week",
    "Support heroes",
    "Beta testers",
    "Conference attendees",
    "Mentoring programme",
    "Course graduates",
    "Newsletter readers",
    "Forum cleanup",
    "Partner campus",
    "Summer challenge",
]
# Users registered over the last this many years; active on average this many days ago.
REGISTERED_YEARS = 3
ACTIVE_MEAN_DAYS = 21
# Why a partially published demo batch has errors.
ERROR_REASON = "The user was deactivated after being added to the batch."


class PlannedBatch(NamedTuple):
    """One batch of the demo history: its number, the status it ends in, how long ago it was made."""

    k: int
    status: str
    days_ago: float


def history() -> list[PlannedBatch]:
    """The demo's batches: four months of published ones (every 7th partly), then one of each other status."""
    plan = [
        PlannedBatch(k, rules.PARTIALLY_PUBLISHED if k % 7 == 3 else rules.PUBLISHED, 120 - k * 2.5)
        for k in range(48)
    ]
    return [
        *plan,
        PlannedBatch(48, rules.IN_PROGRESS, 0.2),
        PlannedBatch(49, rules.UNPUBLISHED, 0.1),
        PlannedBatch(50, rules.DRAFT, 1.0),
        PlannedBatch(51, rules.DRAFT, 0.5),
    ]


def batch_size(k: int, status: str, seed: int, n_users: int) -> int:
    """How many users batch `k` gets (never more than there are)."""
    if status == rules.IN_PROGRESS:
        return min(n_users, 3000)
    return min(n_users, [40, 120, 350, 800, 1500, 2600][(k + seed) % 6])


def batch_name(k: int) -> str:
    """The name of batch `k` ("Spring onboarding #1", …)."""
    return f"{BATCH_NAMES[k % len(BATCH_NAMES)]} #{k // len(BATCH_NAMES) + 1}"
