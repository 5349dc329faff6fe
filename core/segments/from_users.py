"""Putting the users a Users-page filter matches into batches, through the upload's own rules.

The limit counts the users the rules would ADD (active, not holding the quest, not in the batch),
read set-based, so "refused whole" and "the fewest drafts" agree with uploading them as a file.
The matching User IDs become an Upload that goes through core.batches.add_file.add_in: matched
again in the transaction, refusals counted and reported, version check, audit, added_via "users".
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace

from core.access.roles import Account, Permission, require
from core.batches import guard, matching, membership, rules
from core.batches.add_file import AddResult, add_in
from core.batches.drafts import insert_draft, usable_quest
from core.batches.errors import BatchFull, NotEditable
from core.batches.names import clean_name
from core.batches.rules import MAX_USERS_PER_BATCH
from core.errors import InputError
from core.segments.segment import MAX_EXPORT_ROWS, check_filter
from core.segments.split_rules import (  # noqa: F401 - TooManyUsers & co. are read from here too
    MAX_SPLIT_DRAFTS,
    NO_USERS,
    PENDING_REVOKE_OVERFILL,
    TooManyUsers,
    count_said,
    drafts_needed,
    split_names,
)
from core.segments.user_chips import describe
from core.segments.user_filter import UserFilter
from core.store.ports import UnitOfWork
from core.upload.user_list import Upload, from_values

VIA = "users"  # added_via: words.ADDED_VIA_WORDS["users"] is "Users list"


def _upload(user_ids: Sequence[int], f: UserFilter, part: str = "") -> Upload:
    # The file name is what the audit entry and the report name: the filter in words.
    return from_values(ids=[str(i) for i in user_ids], filename=describe(f) + part)


def _addable(
    u: UnitOfWork, f: UserFilter, tz: str, quest_id: int, batch_id: int | None = None
) -> tuple[list[int], list[int]]:
    """The users the rules would add, id order, MAX_EXPORT_ROWS + 1 at most: (to a new draft,
    to `batch_id`)."""
    if f.active is False or set(f.holds) == {quest_id}:
        return [], []  # deactivated users only, or holders only: nobody can be added
    # "Holds any of" with the batch's quest: only those holding another of them can be added.
    holds = tuple(q for q in f.holds if q != quest_id)
    narrowed = replace(f, active=True, holds=holds, lacks=(*f.lacks, quest_id))
    fresh = u.users.matching_ids(narrowed, tz, MAX_EXPORT_ROWS + 1)
    if batch_id is None or not fresh or len(fresh) > MAX_EXPORT_ROWS:
        return fresh, fresh
    # A member whose unlock was revoked is not in the batch for the upload's rules: it comes back.
    everyone = u.users.matching_ids(UserFilter(in_batch=batch_id), tz, MAX_EXPORT_ROWS)
    revoked = u.users.matching_ids(
        UserFilter(in_batch=batch_id, in_batch_status=rules.USER_REVOKED), tz, MAX_EXPORT_ROWS
    )
    members = set(everyone) - set(revoked)
    return fresh, [i for i in fresh if i not in members]


def _report_rows(
    u: UnitOfWork, f: UserFilter, tz: str, addable: list[int], in_a_batch: bool
) -> list[int]:
    """The User IDs the upload holds: every match, so the report counts those not added and
    why; only the addable when more than MAX_EXPORT_ROWS match (an export's worth is the bound)."""
    matches = u.users.matching_ids(f, tz, MAX_EXPORT_ROWS + 1)
    if not matches:
        raise InputError(NO_USERS)
    if not addable and (not in_a_batch or len(matches) > MAX_EXPORT_ROWS):
        # A new draft of nobody is refused; an existing batch reports its rows when it can.
        batch = ", is in the batch already" if in_a_batch else ""
        raise InputError(
            f"None of the users the filters match ({count_said(len(matches)).lower()}) can be added: "
            f"each one is deactivated{batch} or holds the batch's quest already. Change the filters."
        )
    return matches if len(matches) <= MAX_EXPORT_ROWS else addable


def _add(
    u: UnitOfWork,
    actor: Account,
    batch_id: int,
    parts: tuple[list[int], list[int]],
    f: UserFilter,
    part: str = "",
    expected: int | None = None,
) -> AddResult:
    """Add (addable, report rows) with add_in; the rows' report counts those not added."""
    _, rows = parts
    try:
        return add_in(u, actor, batch_id, _upload(rows, f, part), VIA, expected)
    except BatchFull:
        # The upload's rules are the authority: a user whose unlock's revoke is still pending
        # holds the quest for the filter but not for them, so more can go in than were counted.
        # Refused whole, as the same users uploaded would be (add_in raised before writing).
        raise BatchFull(PENDING_REVOKE_OVERFILL) from None


def add_matching(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    f: UserFilter,
    tz: str,
    expected: int | None = None,
) -> AddResult:
    """Add the matching users to a batch with the upload's rules; more than it has room for: none.

    `expected` is the batch's version as the caller showed it (core.batches.expected_state).
    """
    require(actor, Permission.EDIT_BATCHES)
    check_filter(uow, actor, f, tz)  # the role, the time zone, the batches it names
    matching.sync_user_index(uow)  # its own write: before this transaction opens

    def write(u: UnitOfWork) -> AddResult:
        # Who may add, the status and the version first: a refused batch's members stay unread.
        batch = guard.current(u, actor, batch_id, "add users to", expected)
        if batch.status not in rules.ADDABLE_STATUSES:
            raise NotEditable(membership.add_refusal())
        fresh, addable = _addable(u, f, tz, batch.quest_id, batch.id)
        in_batch = u.members.count(batch.id)  # what add_in counts the limit from
        if len(addable) + in_batch > MAX_USERS_PER_BATCH:
            raise TooManyUsers(len(addable), drafts_needed(len(fresh)), batch.id, in_batch)
        rows = _report_rows(u, f, tz, addable, in_a_batch=True)
        return _add(u, actor, batch.id, (addable, rows), f, expected=expected)

    return uow.transaction(write)


def _ready(
    uow: UnitOfWork, actor: Account, name: str, quest_id: int, f: UserFilter, tz: str
) -> str:
    """Check the role, name, quest and filter of new drafts; bring the index up to date."""
    require(actor, Permission.EDIT_BATCHES)
    name = clean_name(name)
    usable_quest(uow, quest_id)
    check_filter(uow, actor, f, tz)  # the role, the time zone, the batches it names
    matching.sync_user_index(uow)  # its own write: before the transaction opens
    return name


def create_from_users(
    uow: UnitOfWork, actor: Account, name: str, quest_id: int, f: UserFilter, tz: str
) -> AddResult:
    """Create a draft for a quest holding the matching users, in one transaction."""
    name = _ready(uow, actor, name, quest_id, f, tz)

    def write(u: UnitOfWork) -> AddResult:
        addable, _ = _addable(u, f, tz, quest_id)
        if len(addable) > MAX_USERS_PER_BATCH:
            raise TooManyUsers(len(addable))
        rows = _report_rows(u, f, tz, addable, in_a_batch=False)
        batch_id = insert_draft(u, actor, name, quest_id)
        return _add(u, actor, batch_id, (addable, rows), f)

    return uow.transaction(write)


def _cut(addable: list[int], rows: list[int], n: int) -> list[tuple[list[int], list[int]]]:
    """Cut the users into n drafts in id order: MAX_USERS_PER_BATCH addable users each, and with
    them the other matching users of the same id range (that draft's report says why)."""
    size = MAX_USERS_PER_BATCH
    adds = [addable[i * size : (i + 1) * size] for i in range(n)]
    cuts = [0, *(bisect_right(rows, part[-1]) for part in adds[:-1]), len(rows)]
    return [(adds[i], rows[cuts[i] : cuts[i + 1]]) for i in range(n)]


def split_into_drafts(
    uow: UnitOfWork, actor: Account, name: str, quest_id: int, f: UserFilter, tz: str
) -> list[AddResult]:
    """Create the fewest drafts "name (1 of n)" … holding the matching users, in one transaction.

    The users the upload's rules would add go in id order, MAX_USERS_PER_BATCH per draft (the
    last takes the rest); the other matches go with the draft of their id range, counted in its
    report. More than MAX_SPLIT_DRAFTS drafts would need is refused whole (TooManyUsers).
    """
    name = _ready(uow, actor, name, quest_id, f, tz)

    def write(u: UnitOfWork) -> list[AddResult]:
        addable, _ = _addable(u, f, tz, quest_id)
        refusal = TooManyUsers(len(addable))
        if not refusal.can_split:
            raise refusal
        rows = _report_rows(u, f, tz, addable, in_a_batch=False)
        n = refusal.drafts
        names = split_names(name, n)
        results = []
        for i, (draft, parts) in enumerate(zip(names, _cut(addable, rows, n), strict=True)):
            part = f" ({i + 1} of {n})" if n > 1 else ""
            results.append(_add(u, actor, insert_draft(u, actor, draft, quest_id), parts, f, part))
        return results

    return uow.transaction(write)
