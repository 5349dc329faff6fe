"""Publishing batches: queueing them, retrying errors, the throttle, and what the pages show.

The work itself is done by `core.publishing.worker`; this module holds the actions an admin or dev takes and
the read side (a batch's summary, the queue). Statuses are the codes of `core.batches.rules`; words
for people come from `core.words`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from core import audit, words
from core.access.roles import Account, Permission, require
from core.batches import drafts, expected_state, rules
from core.errors import InputError, NotFound, PermissionDenied
from core.publishing import failure_rule
from core.publishing.worker import RATE_SETTING, has_queue, parse_rate, stored_rate
from core.store import in_transaction

# Queue order: publishing time, then id (two batches published in one instant keep a fixed order).
QUEUE_ORDER = "coalesce(queued_at, created_at), id"

ACTION_PUBLISHED = "batch published"
ACTION_RETRIED = "errors retried"
ACTION_RATE = "publish rate set"


@dataclass(frozen=True)
class PublishOutcome:
    """What pressing Publish did, with a sentence for the confirmation."""

    batch_id: int
    name: str
    status: str
    users: int
    changed: bool
    position: int | None

    @property
    def message(self) -> str:
        """Return the confirmation to show the admin."""
        if not self.changed:
            return f"“{self.name}” is already queued for publishing{_place(self.position)}."
        if self.users == 0:
            return f"“{self.name}” has no users, so it is “{words.PUBLISHED}” at once."
        return (
            f"“{self.name}” was queued: its {words.count(self.users, 'user')} will be unlocked "
            f"in the background{_place(self.position)}."
        )


def _place(position: int | None) -> str:
    return f" ({ordinal(position)} in the queue)" if position else ""


def ordinal(n: int) -> str:
    """Return 1st, 2nd, 3rd, 4th, 11th, 21st..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _first_row(
    cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> tuple | None:
    # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result open, and the caller's next
    # cur.sql(...) on this cursor would then raise ResourceInUseException.
    rows = cur.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _batch_row(cur: duckdb.DuckDBPyConnection, batch_id: int, expected: int | None = None) -> tuple:
    """Read what publish and retry decide on; refuse if the batch is not at `expected` version."""
    row = _first_row(
        cur,
        """SELECT b.name, b.status, b.created_by, q.archived, bd.archived, q.name, bd.name,
                  b.version
           FROM batches b LEFT JOIN quests q ON q.id = b.quest_id
           LEFT JOIN badges bd ON bd.id = q.badge_id WHERE b.id = ?""",
        [batch_id],
    )
    if row is None:
        if refusal := expected_state.gone(cur, batch_id, expected):
            raise refusal
        raise NotFound(f"There is no batch with id {batch_id}. Check the id in the batch list.")
    expected_state.check(cur, batch_id, row[-1], expected)
    return row


def publish(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    expected: int | None = None,
    name: str | None = None,
) -> PublishOutcome:
    """Queue a draft (or an edited batch); a batch without users is "Published" at once.

    Safe to press twice: a batch already in the queue is left as it is (`changed` is False).
    `expected` is the batch's version as the caller showed it (see core.batches.expected_state); `name`
    is the draft's name as typed, stored in the same transaction (so a rename not yet applied
    is what gets published, and an empty name publishes nothing).
    """
    require(actor, Permission.EDIT_BATCHES)
    new_name = None if name is None else drafts.clean_name(name)

    def write(c: duckdb.DuckDBPyConnection) -> PublishOutcome:
        name, status, created_by, quest_archived, badge_archived, quest, badge, _ = _batch_row(
            c, batch_id, expected
        )
        if (
            status == rules.DRAFT
            and created_by != actor.username
            and not actor.can(Permission.SEE_ALL_DRAFTS)
        ):
            raise PermissionDenied(
                f"The draft “{name}” belongs to {created_by}; only they or an admin may publish it."
            )
        users, pending = _first_row(
            c,
            "SELECT count(*), count(*) FILTER (WHERE status IN ('unpublished', 'in_progress')) "
            "FROM batch_users WHERE batch_id = ?",
            [batch_id],
        )
        if status in rules.QUEUED_STATUSES:
            return PublishOutcome(batch_id, name, status, users, False, None)
        if status != rules.DRAFT and pending == 0:
            word = words.BATCH_STATUS.get(status, status)
            hint = (
                f" Use “{words.RETRY_ERRORS}” to try the users in “{words.ERROR}” again."
                if status == rules.PARTIALLY_PUBLISHED
                else " Add users to it first."
            )
            raise InputError(f"“{name}” is “{word}” and has no user waiting to be unlocked.{hint}")
        if quest is None or badge is None:
            raise InputError(
                f"The badge quest of “{name}” no longer exists, so the batch cannot be published."
            )
        if quest_archived or badge_archived:
            raise InputError(
                f"The badge quest “{badge}: {quest}” of “{name}” is archived, so it cannot be "
                "unlocked. Restore it first, or create a batch for another quest."
            )
        renamed = new_name is not None and drafts.normalize_name(name) != new_name
        if renamed and status == rules.DRAFT:
            c.execute("UPDATE batches SET name = ? WHERE id = ?", [new_name, batch_id])
            audit.record(c, actor, drafts.ACTION_RENAMED, batch_id, f"“{name}” → “{new_name}”")
            name = new_name
        expected_state.bump(c, batch_id)
        c.execute(
            "UPDATE batches SET status = 'unpublished', queued_at = current_timestamp WHERE id = ?",
            [batch_id],
        )
        # The counters and the status come from the users: none → "Published" at once.
        rules.refresh(c, [batch_id])
        new_status, users = _first_row(
            c, "SELECT status, n_users FROM batches WHERE id = ?", [batch_id]
        )
        detail = f"{users} user(s) queued" if users else "no users: published at once"
        audit.record(c, actor, ACTION_PUBLISHED, batch_id, detail)
        return PublishOutcome(batch_id, name, new_status, users, True, None)

    outcome = in_transaction(cur, write)
    if outcome.status in rules.QUEUED_STATUSES:
        outcome = PublishOutcome(
            outcome.batch_id,
            outcome.name,
            outcome.status,
            outcome.users,
            outcome.changed,
            queue_position(cur, batch_id),
        )
    return outcome


# Why a user in "Error" would fail again if retried now: the publisher's own rule (core.publishing.worker's
# chunk query), applied to the batch's users in "Error" as things stand.
_STILL_FAILING_SQL = f"""
    SELECT u.user_id, {failure_rule.AS_CODES} AS failing
    FROM batch_users u JOIN batches b ON b.id = u.batch_id
    {failure_rule.joins("u.user_id", "b.quest_id")}
    WHERE u.batch_id = ? AND u.status = 'error'
"""
STILL_FAILING = {
    "deleted": "deleted from the platform",
    "inactive": "still deactivated",
    "quest_gone": "the badge quest no longer exists",
    "badge_archived": "the badge is archived",
    "quest_archived": "the badge quest is archived",
}


@dataclass(frozen=True)
class RetryPlan:
    """What "Retry errors" would do now: who can be retried, who would fail again and why."""

    retryable: tuple[int, ...]  # User IDs whose error has gone away (e.g. reactivated)
    failing: dict[str, int]  # why the others would fail again (a STILL_FAILING key) → how many

    @property
    def n_failing(self) -> int:
        """Return how many users in "Error" would fail again if retried now."""
        return sum(self.failing.values())

    @property
    def message(self) -> str:
        """Say how many errors can be retried and how many are permanent as things stand."""
        n = len(self.retryable)
        can = f"{n:,} user{'s' if n != 1 else ''} in “{words.ERROR}” can be retried"
        if not self.failing:
            return can + "."
        why = ", ".join(f"{k:,} {STILL_FAILING[code]}" for code, k in self.failing.items())
        text = (
            f"{words.count(self.n_failing, 'user')} in “{words.ERROR}” "
            f"would fail again as things stand ({why}), so "
            f"{'it is' if self.n_failing == 1 else 'they are'} not retried; {can}."
        )
        if not n:
            text += (
                " Once the users are active again on the platform (or the badge quest is "
                "restored), retry."
            )
        return text


def retry_plan(cur: duckdb.DuckDBPyConnection, batch_id: int) -> RetryPlan:
    """Tell which users in "Error" a retry would queue, and why the others would fail again."""
    rows = cur.execute(_STILL_FAILING_SQL + " ORDER BY u.user_id", [batch_id]).fetchall()
    failing: dict[str, int] = {}
    for _user, code in rows:
        if code is not None:
            failing[code] = failing.get(code, 0) + 1
    ordered = dict(sorted(failing.items(), key=lambda kv: (-kv[1], kv[0])))
    return RetryPlan(tuple(u for u, code in rows if code is None), ordered)


def retry_errors(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    expected: int | None = None,
    only_retryable: bool = False,
) -> int:
    """Requeue the users in "Error" of a "Partially published" batch; return how many.

    With `only_retryable`, the users who would fail again as things stand (see retry_plan) stay
    in "Error"; when nobody is left to retry, nothing is written, not even "Last updated".
    `expected` is the batch's version as the caller showed it (see core.batches.expected_state).
    """
    require(actor, Permission.EDIT_BATCHES)

    def write(c: duckdb.DuckDBPyConnection) -> int:
        name, status, *_ = _batch_row(c, batch_id, expected)
        if status != rules.PARTIALLY_PUBLISHED:
            word = words.BATCH_STATUS.get(status, status)
            raise InputError(
                f"“{name}” is “{word}”; only a “{words.PARTIALLY_PUBLISHED}” batch has errors "
                "to retry."
            )
        chosen = list(retry_plan(c, batch_id).retryable) if only_retryable else None
        if chosen == []:
            return 0  # a retry that changes nothing writes nothing
        n = c.execute(
            """UPDATE batch_users SET status = 'unpublished', error_reason = NULL,
                   processed_at = NULL
               WHERE batch_id = $batch AND status = 'error'
                 AND ($ids IS NULL OR list_contains($ids, user_id))""",
            {"batch": batch_id, "ids": chosen},
        ).fetchone()[0]
        expected_state.bump(c, batch_id)
        c.execute("UPDATE batches SET queued_at = current_timestamp WHERE id = ?", [batch_id])
        rules.refresh(c, [batch_id])
        audit.record(c, actor, ACTION_RETRIED, batch_id, f"{n} user(s) requeued")
        return n

    return in_transaction(cur, write)


def get_rate(cur: duckdb.DuckDBPyConnection) -> float | None:
    """Return the throttle in unlocks per second, or None for unlimited (the default)."""
    return stored_rate(cur)


def set_rate(cur: duckdb.DuckDBPyConnection, actor: Account, rate: float | None) -> None:
    """Store the throttle (unlocks per second; None or 0 for unlimited); the worker follows it.

    Admins only: the throttle protects the platform for everyone, so a dev who publishes may
    not lift it to get their own batch out faster.
    """
    require(actor, Permission.SET_PUBLISH_RATE)
    try:
        value = parse_rate(rate)
    except ValueError:
        raise InputError(
            "The publishing rate must be a positive number of unlocks per second, or 0 for "
            "unlimited."
        ) from None
    text = "0" if value is None else f"{value:g}"
    detail = "unlimited" if value is None else f"{value:g} per second"

    def write(c: duckdb.DuckDBPyConnection) -> None:
        c.execute(
            "INSERT INTO settings VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [RATE_SETTING, text],
        )
        audit.record(c, actor, ACTION_RATE, detail=detail)

    in_transaction(cur, write)


def queue(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Return the queued batches in processing order, with their place (1 is processed first)."""
    cur.complete()  # Finish a result the caller left half-read; cur.sql would refuse to run.
    return cur.sql(
        f"""
        SELECT row_number() OVER (ORDER BY {QUEUE_ORDER}) AS position,
               id, name, status, queued_at, n_users AS users,
               n_unpublished + n_in_progress AS pending,
               CASE WHEN n_users = 0 THEN 0
                    ELSE (100 * (n_published + n_error) // n_users) END::INTEGER AS progress
        FROM batches WHERE status IN ('unpublished', 'in_progress')
        ORDER BY position
        """
    ).pl()


def queue_position(cur: duckdb.DuckDBPyConnection, batch_id: int) -> int | None:
    """Return the batch's place in the queue (1 is processed first), or None if it is not queued."""
    row = _first_row(
        cur,
        f"""
        SELECT position FROM (
            SELECT id, row_number() OVER (ORDER BY {QUEUE_ORDER}) AS position
            FROM batches WHERE status IN ('unpublished', 'in_progress')
        ) WHERE id = ?
        """,
        [batch_id],
    )
    return row[0] if row else None


def anything_queued(cur: duckdb.DuckDBPyConnection) -> bool:
    """Tell whether a batch is waiting or being published (pages poll only while it is)."""
    return has_queue(cur)


def batch_summary(cur: duckdb.DuckDBPyConnection, batch_id: int) -> dict:
    """Return a batch's id, name, badge, quest, status word, progress (0-100), users and counts."""
    row = _first_row(
        cur,
        """SELECT b.id, b.name, bd.name, q.name, b.status, b.n_users, b.n_unpublished,
                  b.n_in_progress, b.n_published, b.n_error
           FROM batches b LEFT JOIN quests q ON q.id = b.quest_id
           LEFT JOIN badges bd ON bd.id = q.badge_id WHERE b.id = ?""",
        [batch_id],
    )
    if row is None:
        raise NotFound(f"There is no batch with id {batch_id}. Check the id in the batch list.")
    bid, name, badge, quest, status, users, n_unpub, n_prog, n_pub, n_err = row
    return {
        "id": bid,
        "name": name,
        "badge": badge,
        "quest": quest,
        "status": words.BATCH_STATUS.get(status, status),
        "progress": rules.progress(users, n_pub, n_err, status),
        "users": users,
        "counts": {
            words.UNPUBLISHED: n_unpub,
            words.IN_PROGRESS: n_prog,
            words.PUBLISHED: n_pub,
            words.ERROR: n_err,
        },
    }


def error_reasons(cur: duckdb.DuckDBPyConnection, batch_id: int) -> list[tuple[str, int]]:
    """Return each error reason of the batch's users with how many users have it, most first."""
    return cur.execute(
        """SELECT coalesce(error_reason, 'No reason recorded.'), count(*)::INTEGER AS n
           FROM batch_users WHERE batch_id = ? AND status = 'error'
           GROUP BY 1 ORDER BY n DESC, 1""",
        [batch_id],
    ).fetchall()
