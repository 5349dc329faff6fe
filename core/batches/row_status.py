"""What a row of an upload can be: its status, and the words the preview says for each."""

from __future__ import annotations

from core import words

# Row statuses, in the order the preview lists and counts them.
OK = "ok"
NOT_FOUND = "not_found"
MISMATCH = "mismatch"
DUPLICATE = "duplicate"
ALREADY_IN_BATCH = "already_in_batch"
ALREADY_UNLOCKED = "already_unlocked"
INACTIVE = "inactive"
STATUSES = (OK, NOT_FOUND, MISMATCH, DUPLICATE, ALREADY_IN_BATCH, ALREADY_UNLOCKED, INACTIVE)
ERROR_STATUSES = STATUSES[1:]

# What the preview says for each status: the spec's three words (core.words), and ours.
MESSAGES = {
    OK: "Will be added",
    NOT_FOUND: words.MSG_NOT_FOUND,
    MISMATCH: words.MSG_MISMATCH,
    DUPLICATE: words.MSG_DUPLICATE,
    ALREADY_IN_BATCH: "Already in this batch",
    ALREADY_UNLOCKED: "Already has this badge quest (from an earlier batch)",
    INACTIVE: "This user is deactivated",
}

# Each kind of row that is not added, counted in words ("3 not found, 1 user not found").
COUNT_WORDS = {
    NOT_FOUND: "not found",
    MISMATCH: "user not found",
    DUPLICATE: "merged",
    ALREADY_IN_BATCH: "already in this batch",
    ALREADY_UNLOCKED: "already unlocked",
    INACTIVE: "deactivated",
}

# Preview filters: "all rows", "only good rows", then one per kind of error.
FILTER_ALL = "all"
FILTER_LABELS = {FILTER_ALL: "All rows", **MESSAGES, OK: "Good rows"}
