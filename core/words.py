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
    "users": "Users list",
    "api": "API",
}

# Users page (issue 16): the spec's "list of users", filtered, exported, added to a batch.
USERS_PAGE = "Users"
USER_PAGE = "User"
USER_TEXT = "Username or email contains"
USER_IDS = "User IDs"
ACTIVE = "Active"
DEACTIVATED = "Deactivated"
ACTIVE_CHOICE = {None: "Any", True: ACTIVE, False: DEACTIVATED}
REGISTERED_AT = "Registered"
LAST_ACTIVE_AT = "Last active"
HOLDS = "Holds"
LACKS = "Does not hold"
IN_BATCH = "In batch"
NOT_IN_BATCH = "Not in batch"
IN_BATCH_STATUS = "Status in that batch"
QUESTS_HELD = "Quests held"
EXPORT_FOR_UPLOAD = "Export for batch upload"
EXPORT_ALL_COLUMNS = "Export all columns"
ADD_TO_BATCH = "Add to batch"
TO_A_NEW_DRAFT = "A new draft"
TO_AN_EXISTING_BATCH = "An existing batch"
SPLIT_INTO_DRAFTS = "Split into {n} drafts"
HELD_QUESTS = "Badge quests held"
REVOKED_QUESTS = "Badge quests revoked"
USER_BATCHES = "Batches"
UNLOCKED_AT = "Unlocked at"
REVOKED_AT = "Revoked at"
# The Users pages' other labels and sentences (issue 16 review).
ROWS_PER_PAGE = "Rows per page"
CLEAR_ALL = "Clear all"
REMOVE_FILTER = "Remove this filter"
ANY_STATUS = "Any status"
USER_TEXT_HINT = "Part of a name"
USER_IDS_HINT = "Paste User IDs: one a line, or separated by commas or spaces"
BATCH_ID_HINT = "Batch ID, e.g. 48"
BATCH_ID = "Batch ID"
OPERATOR_OF = "{label} operator"
NO_USER_MATCHES = "No user matches these filters. Remove a filter above, or clear them all."
NO_USER_YET = "No platform user yet. Import them with `python -m core import-users`."
USERS_COUNTED_UP_TO = (
    "The list counts up to {n:,} users: sort the other way or narrow the filters to reach "
    "the others."
)
EXPORT_FOR_UPLOAD_HELP = (
    "ID;Username;Registered email: upload this file to a batch as it is, no re-formatting."
)
EXPORT_ALL_HELP = "Every column of the list, times in your time zone, for a spreadsheet."
ADD_THEM_TO = "Add them to"
FIND_BATCH = "Batch ID or name"
FIND_BATCH_HINT = "e.g. 48, or part of the batch name"
FIND_BATCH_HELP = "A draft or a Published batch you may edit."
NO_BATCH_NAMED = "No draft or Published batch has that in its name."
BATCHES_LISTED = "{n:,} batches match; the {shown} updated last are listed."
NO_USER_TO_ADD = "No user to add. Close this window and change the filters."
USERS_MATCH = "**{count}** match: {described}."
NAME_AND_QUEST_FIRST = "Type a name and choose a badge quest, then “{add}”."
ADD_TO_NEW_DRAFT = "{add} {count} to a new draft"
ADD_TO_BATCH_N = "{add} {count} to batch {batch_id}"
NOT_ADDABLE_NOW = (
    "Users cannot be added to this batch while it is “{status}”. "
    "Choose a draft or a Published batch."
)
SPLIT_HELP = (
    "{n} new drafts named “{name} (1 of {n})” and so on, users in ID order, at most {limit:,} each."
)
SPLIT_INTO_ONE_DRAFT = "Put them in a new draft"
SPLIT_ONE_HELP = "A new draft named “{name}” for the same quest, holding the matching users."
SPLIT_NAME = "Name of the new drafts"
SPLIT_NAME_FIRST = "Type a name for the new drafts (they are made for this batch's quest)."
DRAFTS_MADE = "{n} drafts made."
OPEN_NAMED = "Open “{name}”"
CLOSE = "Close"
BATCH_N = "Batch {batch_id}"
BACK_TO = "Back to {page}"
NO_USER_ID_IN_LINK = "This link has no user ID (…/user?id=42). Open a user from the Users list."
FIND_THE_USER = "Find the user in “{page}” (filter by username, email or ID)."
NOT_FROM_A_BATCH = "(not from a batch)"
BATCH_COLUMN = "Batch"
REASON = "Reason"
REVOKED_BY = "Revoked by"
ADDED_AT = "Added at"
BATCH_STATUS_COLUMN = "Batch status"
STATUS_IN_THE_BATCH = "Status in the batch"
HOLDS_NO_QUEST = "This user holds no badge quest."
IN_NO_BATCH = "This user is in no batch you can see."
SORT_WHOLE_LIST_BY = "Click to sort the whole list by {column}"
NAMED_BATCH = "**{name}** (batch {batch_id})"

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
LOGIN_PASSWORD = "Password"
LOG_IN = "Log in"
LOG_OUT = "Log out"
LOG_OUT_EVERYWHERE = "Log out everywhere"
ACCOUNT = "Account"  # the account menu: log out everywhere, API tokens
LOGIN_FAILED = "Wrong username or password. Check both and try again."
LOGIN_LOCKED = (
    "Too many failed attempts for this account. Wait {minutes} minute(s), then try again."
)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """Say how many, in words that agree: "1 user", "2 users", "5,000 users"."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


# E (webhooks, issue 17): the Webhooks screen and the deliveries' statuses.
WEBHOOKS_PAGE = "Webhooks"
ADD_WEBHOOK = "Add webhook"
REMOVE_WEBHOOK = "Remove webhook"
SEND_TEST_EVENT = "Send test event"
WEBHOOK_URL = "URL"
WEBHOOK_EVENTS = "Events"
RECENT_DELIVERIES = "Recent deliveries"
DELIVERY_PENDING = "Pending"
DELIVERY_DELIVERED = "Delivered"
DELIVERY_FAILED = "Failed"
DELIVERY_CANCELLED = "Cancelled"
DELIVERY_STATUS = {"pending": DELIVERY_PENDING, "delivered": DELIVERY_DELIVERED}
DELIVERY_STATUS |= {"failed": DELIVERY_FAILED, "cancelled": DELIVERY_CANCELLED}
# A secret (a webhook's signing secret, an API token) is shown once, when it is made.
SECRET_SHOWN_ONCE = "Copy it now: it is not shown again."

# C (tokens, issue 17): personal API tokens in the Account menu.
API_TOKENS = "API tokens"
CREATE_TOKEN = "Create token"
REVOKE_TOKEN = "Revoke token"
TOKEN_NAME = "Name"
TOKEN_READ_ONLY = "Read-only"
TOKEN_EXPIRES = "Expires"
TOKEN_STATES = {"active": "Active", "expired": "Expired", "revoked": "Revoked"}
