"""Domain rules written once in SQL that both stores' dialects read alike (DuckDB and PostgreSQL).

Each is the Python rule of the same name, for many rows in one statement, built from the rule's
constants only (never user text): statuses of core.batches.rules, queue order of
core.publishing.queue, the failures of core.publishing.failure_rule (in its CODES order), the
list's status order of core.history.terms. tests/store/test_batches.py and
tests/store/test_pg_history.py check the status and progress SQL against the Python rules.
"""

from __future__ import annotations

from core.batches.rules import (
    FINISHED_STATUSES,
    IN_PROGRESS,
    PARTIALLY_PUBLISHED,
    PARTIALLY_REVOKED,
    PENDING_STATUSES,
    PUBLISHED,
    REVOKED,
    REVOKING,
    UNPUBLISHED,
    USER_REVOKING,
)
from core.history.terms import STATUS_CODES
from core.publishing.failure_rule import CODES


def sql_list(values: tuple[str, ...]) -> str:
    """A constant SQL list of quoted codes: ('a', 'b')."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


PENDING = sql_list(PENDING_STATUSES)  # batches in the queue, and users still to unlock
FINISHED = sql_list(FINISHED_STATUSES)

# `derive_status` over a row's counts; format with the six count expressions (n_users,
# n_in_progress, n_published, n_error, n_revoking, n_revoked).
DERIVED_STATUS_SQL = f"""
    CASE
        WHEN {{n_revoking}} > 0 THEN '{REVOKING}'
        WHEN {{n_users}} = {{n_published}} + {{n_error}} + {{n_revoked}} AND {{n_revoked}} > 0
             AND {{n_published}} > 0 THEN '{PARTIALLY_REVOKED}'
        WHEN {{n_users}} = {{n_published}} + {{n_error}} + {{n_revoked}} AND {{n_revoked}} > 0
            THEN '{REVOKED}'
        WHEN {{n_users}} = {{n_published}} + {{n_error}} + {{n_revoked}} AND {{n_error}} > 0
            THEN '{PARTIALLY_PUBLISHED}'
        WHEN {{n_users}} = {{n_published}} + {{n_error}} + {{n_revoked}} THEN '{PUBLISHED}'
        WHEN {{n_published}} + {{n_error}} + {{n_in_progress}} + {{n_revoked}} = 0
            THEN '{UNPUBLISHED}'
        ELSE '{IN_PROGRESS}'
    END"""


def progress_sql(integer_division: str) -> str:
    """`progress` for a batches row `b`, with the dialect's integer division (`//` or `/`)."""
    return f"""CASE WHEN b.status = '{REVOKING}'
         THEN CASE WHEN b.n_revoking + b.n_revoked - b.revoked_before <= 0 THEN 0
                   ELSE (100 * (b.n_revoked - b.revoked_before)) {integer_division}
                        (b.n_revoking + b.n_revoked - b.revoked_before) END
         WHEN b.n_users = 0
         THEN CASE WHEN b.status IN {FINISHED} THEN 100 ELSE 0 END
         ELSE (100 * (b.n_published + b.n_error + b.n_revoked)) {integer_division} b.n_users END"""


# Revoking (issue 15). A target user's category, over its member row `m` (NULL: not a
# member), its unlock of the quest `x`, the unlock's batch's row for the user `xm`, and
# `o.other` (the lowest other batch of the quest with the user "Published"); `{batch}` is the
# batch's id expression. core/publishing/revoking.py words the categories.
# The unlock is another's that keeps it: given by no batch we know of, or by a batch that still
# has the user "Published". An unlock whose batch is revoking it (or has revoked it) is going:
# it keeps nobody's quest.
HELD_ELSEWHERE = f"""(x.user_id IS NOT NULL AND x.batch_id IS DISTINCT FROM {{batch}}
              AND (xm.user_id IS NULL OR xm.status = '{PUBLISHED}'))"""
REVOKE_CATEGORY = f"""
    CASE WHEN m.user_id IS NULL THEN 'not_in_batch'
         WHEN m.status <> '{PUBLISHED}' THEN 'not_unlocked_by_this_batch'
         WHEN o.other IS NOT NULL OR {HELD_ELSEWHERE} THEN 'kept_from_other_batch'
         ELSE 'revoke' END"""
# The batch that keeps a kept user's unlock: the unlock's own batch if it is another one that
# keeps it, else the lowest other batch with the user "Published".
KEEPER = f"coalesce(CASE WHEN {HELD_ELSEWHERE} THEN x.batch_id END, o.other)"
# An unlock `x` counts as held, for adding the user to a batch, unless its batch has the user
# "Revoking" (its row `xr`): that revoke would delete it, leaving the user with nothing.
UNLOCK_HELD = "(x.user_id IS NOT NULL AND xr.user_id IS NULL)"
# The join `UNLOCK_HELD` reads: `x`'s batch's row for the user when it is "Revoking" (few rows:
# PostgreSQL's partial index batch_users_revoking, DuckDB's filter pushed into the scan).
UNLOCK_BATCH_ROW = f"""LEFT JOIN batch_users xr ON xr.batch_id = x.batch_id AND xr.user_id = x.user_id
    AND xr.status = '{USER_REVOKING}'"""

# Queue order over a batches row `b`; `QUEUED` is when the batch joined the queue.
QUEUED = "coalesce(b.queued_at, b.created_at)"
BATCH_ORDER = f"{QUEUED}, b.id"
# The same order over rows that carry `queued`, `batch_id` and `user_id` (a chunk's users).
USER_ORDER = "{t}queued, {t}batch_id, {t}user_id"

# When each failure holds, over the tables `failure_joins` adds.
_FAILS_WHEN = {
    "deleted": "p.id IS NULL",
    "inactive": "NOT p.active",
    "quest_gone": "q.id IS NULL OR bd.id IS NULL",
    "badge_archived": "bd.archived",
    "quest_archived": "q.archived",
}
# The failure code of a user (NULL when the user can be unlocked): the first that holds.
FAILURE = "CASE " + " ".join(f"WHEN {_FAILS_WHEN[code]} THEN '{code}'" for code in CODES) + " END"


def failure_joins(user_id: str, quest_id: str) -> str:
    """The tables the failure rule reads, joined on the query's user id and quest id columns."""
    return f"""
    LEFT JOIN platform_users p ON p.id = {user_id}
    LEFT JOIN quests q ON q.id = {quest_id}
    LEFT JOIN badges bd ON bd.id = q.badge_id"""


# The list's status sort follows the lifecycle (draft first); running batches by how far they are.
STATUS_RANK = (
    "CASE b.status "
    + " ".join(f"WHEN '{code}' THEN {rank}" for rank, code in enumerate(STATUS_CODES))
    + " END"
)
# The badge and quest names of a batches row `b`.
NAMES = """LEFT JOIN quests q ON q.id = b.quest_id
    LEFT JOIN badges g ON g.id = q.badge_id"""


def escape_like(text: str) -> str:
    """Text to match literally inside a LIKE pattern (with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
