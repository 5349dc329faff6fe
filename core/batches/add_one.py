"""Adding one user to a batch, found by User ID, username or email, with a refusal in words
for the field when that user cannot be added."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core import audit, words
from core.access.roles import Account, Permission, require
from core.audit import Action
from core.batches import matching, membership, rules
from core.batches.errors import (
    AlreadyInBatch,
    AlreadyUnlocked,
    BatchFull,
    UserInactive,
    UserNotFound,
)
from core.batches.read_model import Batch
from core.batches.row_status import (
    ALREADY_IN_BATCH,
    ALREADY_UNLOCKED,
    DUPLICATE,
    MISMATCH,
    NOT_FOUND,
    OK,
)
from core.platform_users import ids
from core.platform_users.names import normal_form
from core.store.ports import UnitOfWork
from core.upload.user_list import from_values

BY_ID, BY_USERNAME, BY_EMAIL = "id", "username", "email"
# What a single add finds the user by: the field's name in messages, the upload column it fills.
_SINGLE_BY = {
    BY_ID: (words.USER_ID, "ids"),
    BY_USERNAME: (words.USERNAME.lower(), "usernames"),
    BY_EMAIL: (words.COL_EMAIL.lower(), "emails"),
}


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


def add_single(
    uow: UnitOfWork,
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
    matching.sync_user_index(uow)  # its own write: before this transaction opens
    return uow.transaction(lambda u: add_in(u, actor, batch_id, by, value, added_via, expected))


def add_in(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    by: str,
    value: str,
    via: str,
    expected: int | None = None,
) -> AddedUser:
    """Add one user inside the caller's transaction (see add_single)."""
    if by not in _SINGLE_BY:
        raise ValueError(f"by must be one of {tuple(_SINGLE_BY)}")
    value = (value or "").strip()
    what, column = _SINGLE_BY[by]
    if not value:
        raise UserNotFound(f"Type a {what} first.")
    batch = membership.open_for_adding(uow, actor, batch_id, expected)
    upload = from_values(**{column: [value]})
    row = matching.classify(uow, upload, batch.quest_id, batch.id).rows.row(0, named=True)
    if by == BY_EMAIL and row["user_id"] is not None:
        _one_user_with_email(uow, value)
    if row["status"] != OK:
        raise _refusal(uow, batch, by, what, value, row["status"], row["user_id"])
    if batch.n_users >= rules.MAX_USERS_PER_BATCH:
        raise _full(batch.n_users)
    if not membership.insert(uow, actor, batch, [row["user_id"]], via):
        # Cannot happen after the check above; kept as a guard for the invariant.
        raise AlreadyInBatch(f"{_describe(uow, row['user_id'])} is already in this batch.")
    user_id, username, email = uow.users.get(row["user_id"])
    audit.record(uow, actor, Action.USERS_ADDED, batch.id, f"1 added by {by} ({via}): {user_id}")
    return AddedUser(batch.id, user_id, username, email)


def add_ids_in(
    uow: UnitOfWork, actor: Account, batch_id: int, values: Sequence[str], via: str
) -> tuple[AddedUser, ...]:
    """Add users by User ID inside the caller's transaction, all or none, set-based.

    What `add_in(..., BY_ID, value, via)` once per value, in order, would do (the same
    confirmations, and the first refusal it would raise, a User ID given twice "already in this
    batch"), but matched in one read and inserted in one statement: the batch's version moves
    once, a finished batch is queued again once (its status is checked once, before the first
    User ID), and one audit entry lists the users added.
    """
    values = [(v or "").strip() for v in values]
    if not values:
        return ()
    blank = next((i for i, v in enumerate(values) if not v), len(values))
    if blank == 0:
        raise UserNotFound(f"Type a {words.USER_ID} first.")
    batch = membership.open_for_adding(uow, actor, batch_id, None)
    typed = values[:blank]
    rows = matching.classify(uow, from_values(ids=typed), batch.quest_id, batch.id).rows
    statuses, user_ids = rows["status"].to_list(), rows["user_id"].to_list()
    bad = next((i for i, s in enumerate(statuses) if s != OK), len(typed))
    # The loop checks a row's status, then the room left: the User ID it finds no room for.
    full = max(0, rules.MAX_USERS_PER_BATCH - batch.n_users)
    if full < bad:
        raise _full(batch.n_users + full)
    if bad < len(typed):
        # A later row of a user an earlier row adds: the loop found that user in the batch.
        status = ALREADY_IN_BATCH if statuses[bad] == DUPLICATE else statuses[bad]
        raise _refusal(uow, batch, BY_ID, words.USER_ID, typed[bad], status, user_ids[bad])
    if blank < len(values):
        raise UserNotFound(f"Type a {words.USER_ID} first.")
    if membership.insert(uow, actor, batch, user_ids, via) != len(user_ids):
        # Cannot happen after the match above; kept as a guard for the invariant.
        raise AlreadyInBatch("Some of these users are already in this batch.")
    found = {u: (name, email) for u, name, email in uow.users.get_many(user_ids).iter_rows()}
    detail = (
        f"1 added by {BY_ID} ({via}): {user_ids[0]}"
        if len(user_ids) == 1
        else f"{len(user_ids)} added from “User ID {', '.join(map(str, user_ids))}” ({via})"
    )
    audit.record(uow, actor, Action.USERS_ADDED, batch.id, detail)
    return tuple(AddedUser(batch.id, u, *found[u]) for u in user_ids)


def _full(n_users: int) -> BatchFull:
    return BatchFull(
        f"This batch already has {n_users:,} users, the most a batch can hold. "
        "Put more users in another batch."
    )


def _refusal(
    uow: UnitOfWork, batch: Batch, by: str, what: str, value: str, status: str, user_id: int | None
) -> Exception:
    """Say why the user found (or not found) by `value` cannot be added."""
    if status in (NOT_FOUND, MISMATCH):
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
        return UserNotFound(f"No user has the {what} “{value}”.{hint}")
    who = _describe(uow, user_id)
    if status == ALREADY_IN_BATCH:
        return AlreadyInBatch(f"{who} is already in this batch.")
    if status == ALREADY_UNLOCKED:
        return AlreadyUnlocked(
            f"{who} already has the badge quest “{batch.badge}: {batch.quest}” "
            "(from an earlier batch), so it is not added again."
        )
    return UserInactive(f"{who} is deactivated, so the badge cannot be unlocked for them.")


def _one_user_with_email(uow: UnitOfWork, email: str) -> None:
    """Refuse a single add by an email that several users share: which one is meant is unclear."""
    found = uow.users.with_email(normal_form(email), 4)
    if len(found) > 1:
        shown = ", ".join(f"{name} (User ID {uid})" for uid, name in found[:3])
        more = " and more" if len(found) > 3 else ""
        raise UserNotFound(
            f"More than one user has the registered email “{email}”: {shown}{more}. "
            "Find the user by User ID or username instead."
        )


def _describe(uow: UnitOfWork, user_id: int) -> str:
    found = uow.users.get(user_id)
    return f"{found[1]} (User ID {user_id})" if found else f"User ID {user_id}"
