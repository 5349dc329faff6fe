"""The Users page's reads: the filtered, sorted, paged list and its count, its two exports, and
one user's page. Every read checks the viewer may view (analysts too).

Rows come from the store (`uow.users`) with times in UTC; here they get the viewer's time zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import polars as pl

from core import csv_safe, words
from core.access.roles import Account, Permission, require
from core.batches.read_model import get_batch
from core.batches.visibility import draft_scope
from core.errors import InputError, NotFound
from core.history.terms import check_tz
from core.segments.export_names import EXPORT_KINDS, export_name  # noqa: F401 (re-exported)
from core.segments.user_filter import UserFilter, parse_user_id
from core.store.ports import UnitOfWork

MAX_EXPORT_ROWS = 100_000
_TIME_COLUMNS = ("registered_at", "last_active_at")
_STAMP = "%Y-%m-%d %H:%M:%S%:z"  # with the offset, so a file read elsewhere keeps the instant
ERROR_REASON = "Error reason"  # the full export's column of the user's error in that batch


@dataclass(frozen=True)
class UserPage:
    """One page of matching users, how many match in all, and the filter of the page shown."""

    rows: pl.DataFrame
    total: int
    filter: UserFilter  # its page is the one shown: a page past the end shows the last one

    @property
    def pages(self) -> int:
        """Return how many pages the pager offers: those the counted users fill (at least 1)."""
        return max(1, math.ceil(min(self.total, MAX_EXPORT_ROWS) / self.filter.page_size))

    @property
    def more_than(self) -> bool:
        """Tell whether more than MAX_EXPORT_ROWS match (`total` is then MAX_EXPORT_ROWS + 1)."""
        return self.total > MAX_EXPORT_ROWS

    @property
    def count_text(self) -> str:
        """The count as the page says it: "1,234 matching users", or "More than 100,000 …"."""
        return users_said(self.total, "matching user")


def users_said(n: int, noun: str = "user") -> str:
    """Say a count made up to MAX_EXPORT_ROWS: "1,234 users", or "More than 100,000 users"."""
    if n > MAX_EXPORT_ROWS:
        return f"More than {MAX_EXPORT_ROWS:,} {noun}s"
    return words.count(n, noun)


class PlatformUser(NamedTuple):
    """Who a platform user is, as their page shows it (times in the viewer's time zone)."""

    id: int
    username: str
    email: str
    active: bool
    registered_at: datetime | None
    last_active_at: datetime | None


@dataclass(frozen=True)
class UserProfile:
    """A user's page: who they are, the quests they hold and lost, the batches they are in."""

    user: PlatformUser
    held: pl.DataFrame
    revoked: pl.DataFrame
    batches: pl.DataFrame


def check_filter(uow: UnitOfWork, actor: Account, f: UserFilter, tz: str) -> None:
    """Check the actor may read users with this filter: the role, the time zone, and the
    batches it names (someone else's draft is refused as missing, so its users stay unseen)."""
    require(actor, Permission.VIEW)
    check_tz(tz)
    for batch_id in (f.in_batch, f.not_in_batch):
        if batch_id is not None:
            get_batch(uow, batch_id, actor)


def clean_filter(uow: UnitOfWork, actor: Account, f: UserFilter) -> tuple[UserFilter, list[str]]:
    """Return f without the quests that do not exist and the batches the actor may not see,
    with a note for each (a link's filter; check_filter refuses them instead), on page 1 if so."""
    require(actor, Permission.VIEW)
    known = set(uow.catalog.quests(True, False)["id"].to_list()) if f.holds or f.lacks else set()
    changes: dict[str, object] = {}
    notes = []
    for key, label in (("holds", words.HOLDS), ("lacks", words.LACKS)):
        if gone := [q for q in getattr(f, key) if q not in known]:
            changes[key] = tuple(q for q in getattr(f, key) if q in known)
            notes += [f"There is no quest {q}, so “{label}” leaves it out." for q in gone]
    for key, label in (("in_batch", words.IN_BATCH), ("not_in_batch", words.NOT_IN_BATCH)):
        if (batch_id := getattr(f, key)) is None:
            continue
        try:
            get_batch(uow, batch_id, actor)
        except NotFound:  # missing, or someone else's draft (BatchNotVisible): said alike
            changes |= {key: None, **({"in_batch_status": None} if key == "in_batch" else {})}
            notes.append(f"No batch {batch_id} is visible to you, so “{label}” leaves it out.")
    return (f.changed(**changes) if changes else f), notes


def _local(frame: pl.DataFrame, tz: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """Show the times of `columns` in tz (the stores' UTC spellings differ: one type here)."""
    present = [c for c in columns if c in frame.columns]
    return frame.with_columns(pl.col(c).dt.convert_time_zone(tz) for c in present)


def find_users(uow: UnitOfWork, actor: Account, f: UserFilter, tz: str) -> UserPage:
    """Return the page `f.page` of the matching users (times in tz; past the end: the last)."""
    check_filter(uow, actor, f, tz)
    # Every action on a segment is bounded by MAX_EXPORT_ROWS, so the page counts no further:
    # an exact count of millions costs more than the page itself (PostgreSQL: ~35 ms a million).
    rows, total = uow.users.search(f, tz, f.page_size, f.offset, count_up_to=MAX_EXPORT_ROWS)
    if f.page > (last := UserPage(rows, total, f).pages):  # the pages the pager offers
        # A link past the last page (or past the counted ones) shows the last, not an empty table.
        f = f.with_page(last)
        rows, total = uow.users.search(f, tz, f.page_size, f.offset, count_up_to=MAX_EXPORT_ROWS)
    return UserPage(_local(rows, tz, _TIME_COLUMNS), total, f)


def list_users(uow: UnitOfWork, actor: Account, f: UserFilter, tz: str, limit: int) -> UserPage:
    """Return the first `limit` matching users (<= MAX_EXPORT_ROWS; the CLI) and how many match."""
    check_filter(uow, actor, f, tz)
    limit = _bounded(limit)
    rows, total = uow.users.search(f, tz, limit, 0)
    return UserPage(_local(rows, tz, _TIME_COLUMNS), total, f.with_page(1))


def _bounded(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_EXPORT_ROWS:
        raise InputError(
            f"The limit {limit!r} is not a whole number from 1 to {MAX_EXPORT_ROWS:,}."
        )
    return limit


def count_users(
    uow: UnitOfWork, actor: Account, f: UserFilter, tz: str, up_to: int | None = None
) -> int:
    """Return how many users match the filter's filters (counted up to `up_to` + 1 when given:
    more than `up_to` is then all the number says)."""
    check_filter(uow, actor, f, tz)
    return uow.users.count(f, tz, count_up_to=up_to)


def export_refusal(count: int | None = None) -> str:
    """Say that an export would hold too many users: `count` of them, or None ("More than")."""
    many = words.count(count, "user") if count else f"More than {MAX_EXPORT_ROWS:,} users"
    return f"{many} match; an export holds at most {MAX_EXPORT_ROWS:,}. Narrow the filters."


def _export_rows(
    uow: UnitOfWork, actor: Account, f: UserFilter, tz: str, limit: int | None
) -> pl.DataFrame:
    """Every matching row sorted as f asks (more than an export holds: InputError), or the
    first `limit` rows alone, never refused (the command line's --limit)."""
    check_filter(uow, actor, f, tz)
    if limit is not None:
        return uow.users.rows_for_export(f, tz, _bounded(limit))
    # One more than the bound: the count is asked for only when the export is refused.
    rows = uow.users.rows_for_export(f, tz, MAX_EXPORT_ROWS + 1)
    if rows.height > MAX_EXPORT_ROWS:
        raise InputError(export_refusal(uow.users.count(f, tz)))
    return rows


def export_template(
    uow: UnitOfWork, actor: Account, f: UserFilter, tz: str, limit: int | None = None
) -> bytes:
    """Return the matching users as the upload template (ID;Username;Registered email), BOM,
    formulas neutralised (the reader undoes it), sorted as f asks: it uploads as it is."""
    rows = _export_rows(uow, actor, f, tz, limit)
    table = rows.select(
        pl.col("id").cast(pl.String).alias(words.COL_ID),
        pl.col("username").cast(pl.String).alias(words.COL_USERNAME),
        pl.col("email").cast(pl.String).alias(words.COL_EMAIL),
    )
    return csv_safe.to_csv_bytes(table, separator=words.TEMPLATE_SEPARATOR, bom=True)


def export_all(
    uow: UnitOfWork, actor: Account, f: UserFilter, tz: str, limit: int | None = None
) -> bytes:
    """Return the matching users, every column under readable headers, times in tz: the
    template's three first (it uploads too); a batch's status and error when f names a batch."""
    rows = _local(_export_rows(uow, actor, f, tz, limit), tz, _TIME_COLUMNS)
    columns = [
        pl.col("id").cast(pl.String).alias(words.COL_ID),
        pl.col("username").alias(words.COL_USERNAME),
        pl.col("email").alias(words.COL_EMAIL),
        pl.when(pl.col("active")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias(words.ACTIVE),
        pl.col("registered_at").dt.strftime(_STAMP).alias(words.REGISTERED_AT),
        pl.col("last_active_at").dt.strftime(_STAMP).alias(words.LAST_ACTIVE_AT),
        pl.col("quests_held").alias(words.QUESTS_HELD),
    ]
    if f.in_batch is not None:
        columns += [
            pl.col("batch_status")
            .replace_strict(words.USER_STATUS, default=pl.col("batch_status"))
            .alias(f"{words.IN_BATCH_STATUS} ({f.in_batch})"),
            pl.col("batch_error").alias(ERROR_REASON),
        ]
    return csv_safe.to_csv_bytes(rows.select(columns), words.TEMPLATE_SEPARATOR, bom=True)


def user_profile(
    uow: UnitOfWork, actor: Account, user_id: int | str, tz: str = "UTC"
) -> UserProfile:
    """Return a user's page: who, quests held and revoked, the batches the viewer sees (tz)."""
    require(actor, Permission.VIEW)
    zone = check_tz(tz)
    try:
        uid = parse_user_id(user_id)
    except InputError:
        shown = str(user_id)[:40] + ("…" if len(str(user_id)) > 40 else "")  # a link's, any size
        raise NotFound(
            f"There is no user with ID {shown}. A User ID is 1 to 18 digits; "
            f"find the user in the {words.USERS_PAGE} list."
        ) from None
    found = uow.users.profile(uid)
    if found is None:
        raise NotFound(
            f"There is no user with ID {uid}. Check the ID, or find the user in the "
            f"{words.USERS_PAGE} list."
        )
    values = list(found)
    for i in (4, 5):  # registered_at, last_active_at
        values[i] = values[i].astimezone(zone) if values[i] is not None else None
    return UserProfile(
        user=PlatformUser(*values),
        held=_local(uow.users.held_quests(uid), tz, ("unlocked_at",)),
        revoked=_local(uow.users.revoked_quests(uid), tz, ("unlocked_at", "revoked_at")),
        batches=_local(
            uow.users.user_batches(uid, draft_scope(actor)), tz, ("added_at", "processed_at")
        ),
    )
