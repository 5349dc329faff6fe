"""Drafts and the users of a batch: create, rename, delete, add from an upload or one by one.

Every write checks the role, runs in one transaction, keeps the batch's counters
(core.batches.rules.refresh) and writes the audit log. Adding is all or nothing: the preview is
computed again inside the transaction, the 5,000-user limit is checked there, and the primary
key of batch_users means a user can never be in a batch twice.

Every write from a page passes `expected`, the batch's version as the page showed it: a batch
changed meanwhile (another tab, another admin) is refused in words and left as it is (see
core.batches.expected_state). A write that would change nothing writes nothing, not even "Last updated".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from core import audit, words
from core.access.roles import Account, Permission, require
from core.batches import expected_state, matching, rules
from core.catalog.badge_tree import quest as get_quest
from core.errors import InputError, NotFound, PermissionDenied
from core.platform_users import ids
from core.platform_users.directory import normalise
from core.store import frame, in_transaction, unregister
from core.upload.intake import Upload, from_values

MAX_NAME_LENGTH = 120
ADDED_VIA = ("csv", "single", "cli")
BY_ID, BY_USERNAME, BY_EMAIL = "id", "username", "email"
# What a single add finds the user by: the field's name in messages, the upload column it fills.
_SINGLE_BY = {
    BY_ID: (words.USER_ID, "ids"),
    BY_USERNAME: (words.USERNAME.lower(), "usernames"),
    BY_EMAIL: (words.COL_EMAIL.lower(), "emails"),
}

# Audit actions written here.
ACTION_CREATED = "batch created"
ACTION_RENAMED = "draft renamed"
ACTION_QUEST_CHANGED = "draft quest changed"
ACTION_DELETED = "draft deleted"
ACTION_USERS_ADDED = "users added"
ACTION_USER_REMOVED = "user removed"


class BatchNotVisible(NotFound, PermissionDenied):
    """No batch with this id that the actor may see (none at all, or someone else's draft)."""


class UserNotFound(InputError):
    """No platform user has the given User ID or username."""


class AlreadyInBatch(InputError):
    """The user is in this batch already."""


class AlreadyUnlocked(InputError):
    """The user holds the batch's badge quest already."""


class UserInactive(InputError):
    """The user exists but is deactivated."""


class BatchFull(InputError):
    """Adding would put more than 5,000 users in the batch."""


class NotEditable(InputError):
    """The batch's status does not allow this change."""


@dataclass(frozen=True)
class Batch:
    """A batch with its badge quest and counters."""

    id: int
    name: str
    quest_id: int
    badge: str | None
    quest: str | None
    quest_archived: bool
    status: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    queued_at: datetime | None
    n_users: int
    n_unpublished: int
    n_in_progress: int
    n_published: int
    n_error: int
    version: int

    @property
    def is_draft(self) -> bool:
        """Tell whether the batch is still a draft (never published)."""
        return self.status == rules.DRAFT

    @property
    def status_label(self) -> str:
        """Return the spec's word for the status ("Draft" for a draft)."""
        percent = rules.progress(self.n_users, self.n_published, self.n_error, self.status)
        return rules.status_label(self.status, percent)


@dataclass(frozen=True)
class AddResult:
    """What adding an upload did: how many users were added, and the preview it acted on."""

    batch_id: int
    added: int
    preview: matching.Preview

    @property
    def message(self) -> str:
        """A confirmation sentence for the page or the command line."""
        merged = self.preview.counts.get(matching.DUPLICATE, 0)
        skipped = self.preview.n_errors - merged
        text = f"{self.added:,} user{'s' if self.added != 1 else ''} added to the batch."
        if skipped:
            # Said in full here: the preview that listed them is gone once this is read.
            text += (
                f" {skipped:,} row{'s' if skipped != 1 else ''} not added: "
                f"{self.preview.not_added_text()}."
            )
        if merged:
            text += f" {merged:,} duplicated row{'s' if merged != 1 else ''} merged."
        return text


@dataclass(frozen=True)
class AddedUser:
    """The user a single add put in the batch."""

    batch_id: int
    user_id: int
    username: str
    email: str

    @property
    def message(self) -> str:
        """A confirmation sentence for the page or the command line."""
        return f"{self.username} (User ID {self.user_id}) was added to the batch."


_BATCH_SQL = """
    SELECT b.id, b.name, b.quest_id, g.name AS badge, q.name AS quest,
           coalesce(q.archived OR g.archived, FALSE) AS quest_archived, b.status, b.created_by,
           b.created_at, b.updated_at, b.queued_at, b.n_users, b.n_unpublished,
           b.n_in_progress, b.n_published, b.n_error, b.version
    FROM batches b LEFT JOIN quests q ON q.id = b.quest_id LEFT JOIN badges g ON g.id = q.badge_id
"""


def normalize_name(name: str | None) -> str:
    """Return a name as it is stored: inner runs of whitespace (tabs, no-break spaces) as one space.

    The page compares what is typed with the stored name through this same rule, so a name that
    only differs in whitespace is not a change (and is never written again and again).
    """
    return " ".join((name or "").split())


def clean_name(name: str | None) -> str:
    """Return the name to store, or raise InputError saying why it cannot be one."""
    return _clean_name(name)


def _clean_name(name: str | None) -> str:
    name = normalize_name(name)
    if not name:
        raise InputError(f"The batch has no name. Type a name in the “{words.NAME}” field.")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(f"The batch name is longer than {MAX_NAME_LENGTH} characters. Shorten it.")
    return name


def _usable_quest(cur: duckdb.DuckDBPyConnection, quest_id: int | None) -> None:
    if quest_id is None:
        raise InputError(f"The batch has no badge quest. Pick one in the “{words.BADGE}” list.")
    q = get_quest(cur, quest_id)
    if q.archived:
        raise InputError(
            f"The badge quest “{q.badge}: {q.name}” is archived, so it cannot be unlocked. "
            "Pick another badge quest."
        )


def _read(c: duckdb.DuckDBPyConnection, batch_id: int) -> Batch:
    rows = c.execute(_BATCH_SQL + " WHERE b.id = ?", [batch_id]).fetchall()
    if not rows:
        raise NotFound(f"There is no batch with id {batch_id}. Check the id in the batch list.")
    return Batch(*rows[0])


def not_visible(batch_id: int, doing: str = "open") -> BatchNotVisible:
    """Return the refusal for a batch the actor may not see, worded as for a batch that is not
    there: it names no batch, no owner, and does not tell a hidden draft from a missing id."""
    cannot = "" if doing == "open" else f", so you cannot {doing} it"
    return BatchNotVisible(
        f"No batch {batch_id} is visible to you{cannot}. Check the link, or find the batch in "
        f"the “{words.BATCH_UNLOCK}” list."
    )


def _check_owner(actor: Account, batch: Batch, doing: str) -> None:
    if (
        batch.is_draft
        and batch.created_by != actor.username
        and not actor.can(Permission.SEE_ALL_DRAFTS)
    ):
        raise not_visible(batch.id, doing)


def _current(
    c: duckdb.DuckDBPyConnection, actor: Account, batch_id: int, doing: str, expected: int | None
) -> Batch:
    """Read the batch for a change and check who may make it and the state it is expected in.

    Writes nothing, so a change found to be a no-op leaves the batch (and "Last updated") alone.
    """
    try:
        batch = _read(c, batch_id)
    except NotFound:
        if refusal := expected_state.gone(c, batch_id, expected):
            raise refusal from None
        raise
    _check_owner(actor, batch, doing)
    expected_state.check(c, batch_id, batch.version, expected)
    return batch


def _claim(
    c: duckdb.DuckDBPyConnection, actor: Account, batch_id: int, doing: str, expected: int | None
) -> Batch:
    """Read and check the batch for a change, then mark it changed (its row first, so concurrent
    changes conflict early); returns the batch as it was before."""
    batch = _current(c, actor, batch_id, doing, expected)
    expected_state.bump(c, batch_id)
    return batch


def _require_draft(batch: Batch, change: str) -> None:
    if not batch.is_draft:
        word = words.BATCH_STATUS.get(batch.status, batch.status)
        raise NotEditable(
            f"“{batch.name}” is “{word}”: only a draft's {change}. Create a new batch instead."
        )


# --- reading ----------------------------------------------------------------------------------


def get_batch(cur: duckdb.DuckDBPyConnection, batch_id: int, actor: Account | None = None) -> Batch:
    """Return one batch; with an actor, someone else's draft is refused unless they are an admin.

    To an actor who does not see every draft, a missing id and someone else's draft give the
    same refusal (BatchNotVisible), so ids cannot be probed for drafts.
    """
    if actor is None:
        return _read(cur, batch_id)
    require(actor, Permission.VIEW)
    try:
        batch = _read(cur, batch_id)
    except NotFound:
        if actor.can(Permission.SEE_ALL_DRAFTS):
            raise
        raise not_visible(batch_id) from None
    _check_owner(actor, batch, "open")
    return batch


def check_expected(
    cur: duckdb.DuckDBPyConnection, actor: Account, batch_id: int, expected: int
) -> Batch:
    """Return the batch if it is at the version the caller showed, else raise Stale; writes nothing.

    For a page that finds a click made on an older drawing of a batch: the same refusal, in the
    same words, as the write itself would give.
    """
    require(actor, Permission.VIEW)
    return _current(cur, actor, batch_id, "open", expected)


def list_drafts(cur: duckdb.DuckDBPyConnection, actor: Account) -> pl.DataFrame:
    """Return the drafts the actor may reopen (their own; every draft for admins), newest first."""
    require(actor, Permission.VIEW)
    return frame(
        cur,
        """SELECT b.id, b.name, b.quest_id, g.name AS badge, q.name AS quest, b.created_by,
                  b.created_at, b.updated_at, b.n_users
           FROM batches b LEFT JOIN quests q ON q.id = b.quest_id
           LEFT JOIN badges g ON g.id = q.badge_id
           WHERE b.status = 'draft' AND ($all OR b.created_by = $me)
           ORDER BY b.updated_at DESC, b.id DESC""",
        {"all": actor.can(Permission.SEE_ALL_DRAFTS), "me": actor.username},
    )


# --- drafts -----------------------------------------------------------------------------------


def create_draft(cur: duckdb.DuckDBPyConnection, actor: Account, name: str, quest_id: int) -> int:
    """Save a new draft for a badge quest; return its id."""
    require(actor, Permission.EDIT_BATCHES)
    name = _clean_name(name)
    _usable_quest(cur, quest_id)
    return in_transaction(cur, lambda c: _create(c, actor, name, quest_id))


def _create(c: duckdb.DuckDBPyConnection, actor: Account, name: str, quest_id: int) -> int:
    batch_id = c.execute(
        "INSERT INTO batches (name, quest_id, created_by) VALUES (?, ?, ?) RETURNING id",
        [name, quest_id, actor.username],
    ).fetchall()[0][0]
    q = get_quest(c, quest_id)
    audit.record(c, actor, ACTION_CREATED, batch_id, f"“{name}” for {q.badge}: {q.name}")
    return batch_id


def rename_draft(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    name: str,
    expected: int | None = None,
) -> bool:
    """Change a draft's name; return False (and write nothing) when it is the same name.

    `expected` is the batch's version as the caller showed it (see core.batches.expected_state).
    """
    require(actor, Permission.EDIT_BATCHES)
    name = _clean_name(name)

    def write(c: duckdb.DuckDBPyConnection) -> bool:
        batch = _current(c, actor, batch_id, "rename", expected)
        _require_draft(batch, "name can be changed")
        return _rename(c, actor, batch, name)

    return in_transaction(cur, write)


def _rename(c: duckdb.DuckDBPyConnection, actor: Account, batch: Batch, name: str) -> bool:
    """Store a cleaned name unless it is the batch's name already (under the same rule)."""
    if normalize_name(batch.name) == name:
        return False
    expected_state.bump(c, batch.id)
    c.execute("UPDATE batches SET name = ? WHERE id = ?", [name, batch.id])
    audit.record(c, actor, ACTION_RENAMED, batch.id, f"“{batch.name}” → “{name}”")
    return True


@dataclass(frozen=True)
class QuestChange:
    """What pointing a draft at another badge quest does: who would leave the draft, and why."""

    batch_id: int
    version: int
    quest_id: int
    badge: str
    quest: str
    removed: tuple[tuple[int, str], ...]  # (User ID, username) of users who hold the new quest

    @property
    def removed_ids(self) -> list[int]:
        """Return the User IDs that the change would take out of the draft."""
        return [user_id for user_id, _ in self.removed]

    def _who(self) -> str:
        n = len(self.removed)
        shown = ", ".join(f"{uid} ({name})" for uid, name in self.removed[:10])
        return shown + (f" and {n - 10:,} more" if n > 10 else "")

    @property
    def warning(self) -> str:
        """Say, before the change, who it would remove from the draft and why ("" for no one)."""
        n = len(self.removed)
        if not n:
            return ""
        holds = "already holds" if n == 1 else "already hold"
        return (
            f"{n:,} user{'s' if n != 1 else ''} {holds} “{self.badge} › {self.quest}” and "
            f"will be removed from this draft (a quest is never unlocked twice): {self._who()}."
        )

    @property
    def message(self) -> str:
        """Say, after the change, what it did."""
        text = f"The badge quest is now “{self.badge} › {self.quest}”."
        if self.removed:
            n = len(self.removed)
            text += (
                f" {n:,} user{'s' if n != 1 else ''} who already held it "
                f"{'was' if n == 1 else 'were'} removed: {self._who()}."
            )
        return text


class RemovalsChanged(InputError):
    """The users a quest change would remove are not the ones the admin confirmed."""


def _holders(
    c: duckdb.DuckDBPyConnection, batch_id: int, quest_id: int
) -> tuple[tuple[int, str], ...]:
    """Return the draft's users who hold the quest already, by User ID."""
    rows = c.execute(
        """SELECT bu.user_id, coalesce(u.username, '') FROM batch_users bu
           JOIN unlocks x ON x.user_id = bu.user_id AND x.quest_id = ?
           LEFT JOIN platform_users u ON u.id = bu.user_id
           WHERE bu.batch_id = ? ORDER BY bu.user_id""",
        [quest_id, batch_id],
    ).fetchall()
    return tuple((int(uid), name) for uid, name in rows)


def _quest_change(
    c: duckdb.DuckDBPyConnection, actor: Account, batch_id: int, quest_id: int, expected: int | None
) -> tuple[Batch, QuestChange]:
    batch = _current(c, actor, batch_id, "change", expected)
    _require_draft(batch, "badge quest can be changed")
    q = get_quest(c, quest_id)
    removed = () if batch.quest_id == quest_id else _holders(c, batch_id, quest_id)
    return batch, QuestChange(batch.id, batch.version, quest_id, q.badge, q.name, removed)


def preview_quest_change(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    quest_id: int,
    expected: int | None = None,
) -> QuestChange:
    """Tell what pointing a draft at another badge quest would do, writing nothing.

    Pass the result's `version` and `removed_ids` to change_draft_quest once the admin confirms.
    """
    require(actor, Permission.EDIT_BATCHES)
    _usable_quest(cur, quest_id)
    return _quest_change(cur, actor, batch_id, quest_id, expected)[1]


def change_draft_quest(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    quest_id: int,
    expected: int | None = None,
    expected_removed: Sequence[int] | None = None,
) -> int:
    """Point a draft at another badge quest; return how many users were removed from it.

    Users who already hold the new quest cannot be unlocked again, so they leave the draft. With
    `expected_removed` (the User IDs the admin was told would leave), any other set is refused
    and nothing changes; the same quest again writes nothing.
    """
    require(actor, Permission.EDIT_BATCHES)
    _usable_quest(cur, quest_id)

    def write(c: duckdb.DuckDBPyConnection) -> int:
        batch, change = _quest_change(c, actor, batch_id, quest_id, expected)
        if batch.quest_id == quest_id:
            return 0
        if expected_removed is not None and sorted(set(expected_removed)) != change.removed_ids:
            told = len(set(expected_removed))
            raise RemovalsChanged(
                f"The users who already hold “{change.badge} › {change.quest}” changed since you "
                f"were told: {len(change.removed):,} would now be removed, not {told:,}. Nothing "
                "was changed; choose the quest again to see who would leave."
            )
        expected_state.bump(c, batch_id)
        if change.removed:
            c.execute(
                "DELETE FROM batch_users WHERE batch_id = $batch AND list_contains($ids, user_id)",
                {"batch": batch_id, "ids": change.removed_ids},
            )
        c.execute("UPDATE batches SET quest_id = ? WHERE id = ?", [quest_id, batch_id])
        rules.refresh(c, [batch_id])
        detail = f"now {change.badge}: {change.quest}"
        if change.removed:
            ids = ", ".join(str(u) for u in change.removed_ids[:20])
            more = " …" if len(change.removed) > 20 else ""
            detail += f"; {len(change.removed)} user(s) who already hold it removed: {ids}{more}"
        audit.record(c, actor, ACTION_QUEST_CHANGED, batch_id, detail)
        return len(change.removed)

    return in_transaction(cur, write)


def delete_draft(
    cur: duckdb.DuckDBPyConnection, actor: Account, batch_id: int, expected: int | None = None
) -> None:
    """Delete a draft and its users; a published batch cannot be deleted.

    `expected` is the batch's version as the caller showed it (see core.batches.expected_state).
    """
    require(actor, Permission.EDIT_BATCHES)

    def write(c: duckdb.DuckDBPyConnection) -> None:
        batch = _claim(c, actor, batch_id, "delete", expected)
        _require_draft(batch, "can be deleted")
        c.execute("DELETE FROM batch_users WHERE batch_id = ?", [batch_id])
        c.execute("DELETE FROM batches WHERE id = ?", [batch_id])
        audit.record(
            c, actor, ACTION_DELETED, batch_id, f"“{batch.name}” with {batch.n_users} user(s)"
        )

    in_transaction(cur, write)


# --- adding users -----------------------------------------------------------------------------


def _open_for_adding(
    c: duckdb.DuckDBPyConnection, actor: Account, batch_id: int, expected: int | None
) -> Batch:
    batch = _claim(c, actor, batch_id, "add users to", expected)
    if batch.status not in (rules.DRAFT, rules.PUBLISHED):
        raise NotEditable(words.ADD_REQUIRES_PUBLISHED)
    return batch


def _insert(
    c: duckdb.DuckDBPyConnection, actor: Account, batch: Batch, user_ids: list[int], via: str
) -> int:
    """Insert users (skipping any already there), keep the counters; return how many went in."""
    if via not in ADDED_VIA:
        raise ValueError(f"added_via must be one of {ADDED_VIA}")
    if not user_ids:
        return 0
    name = "users_to_add"
    c.register(name, pl.DataFrame({"user_id": user_ids}, schema={"user_id": pl.Int64}))
    try:
        inserted = c.execute(
            f"""INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by)
                SELECT DISTINCT ?, user_id, 'unpublished', ?, ? FROM {name}
                ON CONFLICT DO NOTHING RETURNING user_id""",
            [batch.id, via, actor.username],
        ).fetchall()
    finally:
        unregister(c, name)
    counted = c.execute("SELECT count(*) FROM batch_users WHERE batch_id = ?", [batch.id])
    total = counted.fetchall()[0][0]
    if total > matching.LIMIT:
        # Raising rolls the whole transaction back: nothing from this request is kept.
        raise BatchFull(matching.over_limit_message(total - len(inserted), len(inserted)))
    if batch.status == rules.PUBLISHED and inserted:
        # A finished batch with new users goes back to the publisher's queue.
        c.execute(
            "UPDATE batches SET status = 'unpublished', queued_at = current_timestamp WHERE id = ?",
            [batch.id],
        )
    rules.refresh(c, [batch.id])
    return len(inserted)


def add_upload(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    upload: Upload,
    added_via: str = "csv",
    expected: int | None = None,
) -> AddResult:
    """Add the good rows of an upload; refuse the whole file if it would overfill the batch.

    `expected` is the batch's version as the caller showed it (see core.batches.expected_state).
    """
    require(actor, Permission.EDIT_BATCHES)
    matching.sync_user_index(cur)
    return in_transaction(
        cur, lambda c: _add_upload(c, actor, batch_id, upload, added_via, expected)
    )


def _add_upload(
    c: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    upload: Upload,
    via: str,
    expected: int | None = None,
) -> AddResult:
    batch = _open_for_adding(c, actor, batch_id, expected)
    # Matched again here, inside the transaction, so what is added is what holds now.
    result = matching.classify(c, upload, batch.quest_id, batch.id)
    if result.over_limit:
        raise BatchFull(result.limit_message)
    added = _insert(c, actor, batch, result.user_ids_to_add(), via)
    counts = ", ".join(f"{n} {s}" for s, n in result.counts.items() if n and s != matching.OK)
    audit.record(
        c,
        actor,
        ACTION_USERS_ADDED,
        batch.id,
        f"{added} added from “{upload.filename}” ({via})"
        + (f"; not added: {counts}" if counts else ""),
    )
    return AddResult(batch.id, added, result)


def add_single(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    by: str,
    value: str,
    added_via: str = "single",
    expected: int | None = None,
) -> AddedUser:
    """Add one user found by User ID (by="id"), username (by="username") or email (by="email").

    Raises UserNotFound, AlreadyInBatch, AlreadyUnlocked, UserInactive or BatchFull (all
    InputError) with a message for the field; `expected` is the batch's version as the caller
    showed it (see core.batches.expected_state).
    """
    require(actor, Permission.EDIT_BATCHES)
    matching.sync_user_index(cur)
    return in_transaction(
        cur, lambda c: _add_single(c, actor, batch_id, by, value, added_via, expected)
    )


def _add_single(
    c: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    by: str,
    value: str,
    via: str,
    expected: int | None = None,
) -> AddedUser:
    if by not in _SINGLE_BY:
        raise ValueError(f"by must be one of {tuple(_SINGLE_BY)}")
    value = (value or "").strip()
    what, column = _SINGLE_BY[by]
    if not value:
        raise UserNotFound(f"Type a {what} first.")
    batch = _open_for_adding(c, actor, batch_id, expected)
    upload = from_values(**{column: [value]})
    row = matching.classify(c, upload, batch.quest_id, batch.id).rows.row(0, named=True)
    if by == BY_EMAIL and row["user_id"] is not None:
        _one_user_with_email(c, value)
    status = row["status"]
    if status != matching.OK:
        if status in (matching.NOT_FOUND, matching.MISMATCH):
            if by == BY_ID:
                hint = (
                    " Check the number, or find the user by username."
                    if ids.is_digits(value)
                    else " A user ID has digits only (0-9)."
                )
            elif by == BY_EMAIL:
                hint = " Check the address, or find the user by User ID or username."
            else:
                hint = " Check the spelling, or pick one of the suggestions."
            raise UserNotFound(f"No user has the {what} “{value}”.{hint}")
        who = _describe(c, row["user_id"])
        if status == matching.ALREADY_IN_BATCH:
            raise AlreadyInBatch(f"{who} is already in this batch.")
        if status == matching.ALREADY_UNLOCKED:
            raise AlreadyUnlocked(
                f"{who} already has the badge quest “{batch.badge}: {batch.quest}” "
                "(from an earlier batch), so it is not added again."
            )
        raise UserInactive(f"{who} is deactivated, so the badge cannot be unlocked for them.")
    if batch.n_users >= matching.LIMIT:
        raise BatchFull(
            f"This batch already has {batch.n_users:,} users, the most a batch can hold. "
            "Put more users in another batch."
        )
    added = _insert(c, actor, batch, [row["user_id"]], via)
    if not added:  # cannot happen after the check above; kept as a guard for the invariant
        raise AlreadyInBatch(f"{_describe(c, row['user_id'])} is already in this batch.")
    user_id, username, email = c.execute(
        "SELECT id, username, email FROM platform_users WHERE id = ?", [row["user_id"]]
    ).fetchall()[0]
    audit.record(c, actor, ACTION_USERS_ADDED, batch.id, f"1 added by {by} ({via}): {user_id}")
    return AddedUser(batch.id, user_id, username, email)


def _one_user_with_email(c: duckdb.DuckDBPyConnection, email: str) -> None:
    """Refuse a single add by an email that several users share: which one is meant is unclear."""
    norm = pl.select(normalise(pl.lit(email))).item()
    rows = c.execute(
        "SELECT id, username FROM platform_users WHERE email_norm = ? ORDER BY id LIMIT 4",
        [norm],
    ).fetchall()
    if len(rows) > 1:
        shown = ", ".join(f"{name} (User ID {uid})" for uid, name in rows[:3])
        more = " and more" if len(rows) > 3 else ""
        raise UserNotFound(
            f"More than one user has the registered email “{email}”: {shown}{more}. "
            "Find the user by User ID or username instead."
        )


def _describe(c: duckdb.DuckDBPyConnection, user_id: int) -> str:
    rows = c.execute("SELECT username FROM platform_users WHERE id = ?", [user_id]).fetchall()
    return f"{rows[0][0]} (User ID {user_id})" if rows else f"User ID {user_id}"


def remove_user(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    user_id: int,
    expected: int | None = None,
) -> None:
    """Take a user out of a draft (before publishing)."""
    remove_users(cur, actor, batch_id, [user_id], expected)


def remove_users(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    user_ids: Sequence[int],
    expected: int | None = None,
) -> int:
    """Take users out of a draft in one transaction, all or none; return how many left.

    `expected` is the batch's version as the caller showed it (see core.batches.expected_state).
    """
    require(actor, Permission.EDIT_BATCHES)
    wanted = sorted({int(u) for u in user_ids})
    if not wanted:
        return 0

    def write(c: duckdb.DuckDBPyConnection) -> int:
        batch = _claim(c, actor, batch_id, "change", expected)
        _require_draft(batch, "users can be removed")
        gone = {
            r[0]
            for r in c.execute(
                "DELETE FROM batch_users WHERE batch_id = $batch AND list_contains($ids, user_id) "
                "RETURNING user_id",
                {"batch": batch_id, "ids": wanted},
            ).fetchall()
        }
        if missing := [u for u in wanted if u not in gone]:
            # Raising rolls the whole removal back: a stale selection removes no one.
            shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
            raise NotFound(
                f"User ID {shown} {'is' if len(missing) == 1 else 'are'} not in the batch "
                f"“{batch.name}”. Reload the page to see its users, then try again."
            )
        rules.refresh(c, [batch_id])
        listed = ", ".join(map(str, wanted[:20])) + (" …" if len(wanted) > 20 else "")
        audit.record(
            c,
            actor,
            ACTION_USER_REMOVED,
            batch_id,
            f"User ID {listed}" if len(wanted) == 1 else f"{len(wanted)} removed: {listed}",
        )
        return len(gone)

    return in_transaction(cur, write)


# --- several steps at once (the command line) ------------------------------------------------


@dataclass(frozen=True)
class FillResult:
    """What create_batch / add_to_batch did: the batch, each file's result, the single adds."""

    batch_id: int
    files: tuple[AddResult, ...]
    users: tuple[AddedUser, ...]

    @property
    def added(self) -> int:
        """Return how many users were added in all."""
        return sum(f.added for f in self.files) + len(self.users)


def create_batch(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    name: str,
    quest_id: int,
    uploads: list[Upload] | tuple[Upload, ...] = (),
    user_ids: list[str] | tuple[str, ...] = (),
    added_via: str = "cli",
) -> FillResult:
    """Create a draft and add files and User IDs to it, all in one transaction (all or nothing)."""
    require(actor, Permission.EDIT_BATCHES)
    name = _clean_name(name)
    _usable_quest(cur, quest_id)
    matching.sync_user_index(cur)

    def write(c: duckdb.DuckDBPyConnection) -> FillResult:
        batch_id = _create(c, actor, name, quest_id)
        return _fill(c, actor, batch_id, uploads, user_ids, added_via)

    return in_transaction(cur, write)


def add_to_batch(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    uploads: list[Upload] | tuple[Upload, ...] = (),
    user_ids: list[str] | tuple[str, ...] = (),
    added_via: str = "cli",
) -> FillResult:
    """Add files and User IDs to a batch in one transaction: any refusal adds nothing."""
    require(actor, Permission.EDIT_BATCHES)
    matching.sync_user_index(cur)
    return in_transaction(cur, lambda c: _fill(c, actor, batch_id, uploads, user_ids, added_via))


def _fill(
    c: duckdb.DuckDBPyConnection,
    actor: Account,
    batch_id: int,
    uploads: list[Upload] | tuple[Upload, ...],
    user_ids: list[str] | tuple[str, ...],
    via: str,
) -> FillResult:
    # Each step sees the ones before it: a user in two files is "already in batch" the second time.
    files = tuple(_add_upload(c, actor, batch_id, upload, via) for upload in uploads)
    users = tuple(_add_single(c, actor, batch_id, BY_ID, value, via) for value in user_ids)
    return FillResult(batch_id, files, users)
