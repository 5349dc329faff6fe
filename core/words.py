"""The product's words: every label, status and message from the spec, shared by pages and tests."""

from __future__ import annotations

# Navigation (spec: "Click “Gamification” in the “Manage” menu. Then, click “Badges.”").
MANAGE = "Manage"
GAMIFICATION = "Gamification"
BADGES = "Badges"
BATCH_UNLOCK = "Batch unlock"
CREATE_BATCH = "Create Batch"
NEW_BATCH = "New Batch"
MORE_MENU = "⋮"

# New batch page.
CONNECT_BADGE_AND_USERS = "Connect Badge and Users"
NAME = "Name"
BADGE = "Badge"
QUEST = "Quest"
UPLOAD_TYPE = "Upload type"
MULTIPLE = "Multiple"
SINGLE = "Single"
UPLOAD = "Upload"
DOWNLOAD_THE_TEMPLATE = "Download the template"
USER_ID = "User ID"
USERNAME = "Username"
ADD = "Add"
PUBLISH = "Publish"
EDIT = "Edit"
VIEW = "View"
RETRY_ERRORS = "Retry errors"

# Template columns (spec: "ID", "Username", "Registered email").
COL_ID = "ID"
COL_USERNAME = "Username"
COL_EMAIL = "Registered email"
TEMPLATE_COLUMNS = (COL_ID, COL_USERNAME, COL_EMAIL)
TEMPLATE_SEPARATOR = ";"

# Preview messages, word for word.
MSG_NOT_FOUND = "Where Id, Username or Email was not found"
MSG_MISMATCH = "User was not found"
MSG_DUPLICATE = "With duplicated info, these rows will be automatically merged"

# Batch statuses (stored code -> spec word).
DRAFT = "Draft"
UNPUBLISHED = "Unpublished"
IN_PROGRESS = "In Progress"
PUBLISHED = "Published"
PARTIALLY_PUBLISHED = "Partially published"
ERROR = "Error"
# Undo (issue 15): not the spec's words, which give no way back; ours, in the same style.
REVOKING = "Revoking"
REVOKED = "Revoked"
PARTIALLY_REVOKED = "Partially revoked"
PAUSED = "Paused"

BATCH_STATUS = {
    "draft": DRAFT,
    "unpublished": UNPUBLISHED,
    "in_progress": IN_PROGRESS,
    "published": PUBLISHED,
    "partially_published": PARTIALLY_PUBLISHED,
    "revoking": REVOKING,
    "revoked": REVOKED,
    "partially_revoked": PARTIALLY_REVOKED,
}
USER_STATUS = {
    "unpublished": UNPUBLISHED,
    "in_progress": IN_PROGRESS,
    "published": PUBLISHED,
    "error": ERROR,
    "revoking": REVOKING,
    "revoked": REVOKED,
}
# Undo's actions (issue 15), as buttons and commands name them.
CANCEL_PUBLISHING = "Cancel publishing"
PAUSE = "Pause"
RESUME = "Resume"
REVOKE = "Revoke"
PAUSE_PUBLISHER = "Pause the publisher"
RESUME_PUBLISHER = "Resume the publisher"
REVOKE_REASON = "Reason"
ADD_REQUIRES_PUBLISHED = "To add new users, the batch must have a status of “Published.”"


def both_ways(button: str, command: str) -> str:
    """Return how to do an undo action from either surface: the page's button or the command."""
    return f"the batch page's “{button}”, or `batch {command}`"


# How a user came into a batch ("Added via"); "Added by" is always the person who added them.
ADDED_VIA = "Added via"
ADDED_BY = "Added by"
ADDED_VIA_WORDS = {
    "csv": "CSV upload",
    "single": "Single",
    "cli": "Command line",
    "demo": "CSV upload",
}

# Batch list page.
FILTERS = "Filters"
STATUS = "Status"
BATCH_NAME = "Batch name"
SEARCH = "Search"
MORE_FILTERS = "More filters"
CREATED_AT = "Created at"
LAST_UPDATED = "Last updated"
CREATED_BY = "Created by"
USERS = "Users"
TITLE = "Title"
OP_AFTER = "> After"
OP_BEFORE = "< Before"
OP_EQUAL = "= Equal"
DATE_OPERATORS = {">": OP_AFTER, "<": OP_BEFORE, "=": OP_EQUAL}

# Login.
LOGIN_USERNAME = "Username"
LOGIN_PASSWORD = "Password"  # noqa: S105 - a field label, not a secret
LOG_IN = "Log in"
LOG_OUT = "Log out"
LOG_OUT_EVERYWHERE = "Log out everywhere"
SESSIONS = "Sessions"
LOGIN_FAILED = "Wrong username or password. Check both and try again."
LOGIN_LOCKED = (
    "Too many failed attempts for this account. Wait {minutes} minute(s), then try again."
)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """Say how many, in words that agree: "1 user", "2 users", "5,000 users"."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
