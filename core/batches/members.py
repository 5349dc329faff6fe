"""The users of one batch as the detail page and the command line see them: searched, filtered,
sorted and paged in SQL, and exported as CSV (all of them, or the error rows ready to re-upload)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from core import csv_safe, words
from core.access.roles import Account, Permission, require
from core.batches.read_model import get_batch
from core.batches.rules import MAX_USERS_PER_BATCH
from core.errors import InputError
from core.platform_users.names import normal_form
from core.store.ports import UnitOfWork
from core.upload import template

# What the users can be sorted by (the store turns each into its order).
SORT_KEYS = ("user_id", "username", "email", "status", "added_at")
STATUS_CODES = tuple(words.USER_STATUS)
DEFAULT_PAGE_SIZE = 250
# The export's revoke columns (issue 15): why, by whom and when a user's unlock was revoked, and
# the batch that kept the badge quest for them (it unlocked the quest too).
REVOKE_REASON = "Revoke reason"
REVOKED_BY = "Revoked by"
REVOKED_AT = "Revoked at"
KEPT_BY_BATCH = "Kept by batch"


def parse_user_status(text: str) -> str:
    """Accept a per-user status as its code or the spec's word ("Error", "In Progress")."""
    key = text.strip().lower().replace(" ", "_")
    for code, word in words.USER_STATUS.items():
        if key in (code, word.lower().replace(" ", "_")):
            return code
    raise InputError(
        f"{text!r} is not a user status; use one of: {', '.join(words.USER_STATUS.values())}."
    )


@dataclass(frozen=True)
class MemberQuery:
    """Which users of a batch to show, and in what order."""

    search: str = ""
    status: str | None = None
    sort: str = "added_at"
    desc: bool = False
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if self.sort not in SORT_KEYS:
            raise InputError(f"Sort by one of: {', '.join(SORT_KEYS)}.")
        if self.status is not None and self.status not in STATUS_CODES:
            object.__setattr__(self, "status", parse_user_status(self.status))
        if self.page < 1 or not 1 <= self.page_size <= MAX_USERS_PER_BATCH:
            raise InputError(
                f"The page must be 1 or more, the page size 1 to {MAX_USERS_PER_BATCH:,}."
            )


@dataclass(frozen=True)
class MemberPage:
    """A page of a batch's users, with how many match in all."""

    rows: pl.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """Return how many pages the matching users fill (at least 1)."""
        return max(1, math.ceil(self.total / self.page_size))


def list_members(uow: UnitOfWork, viewer: Account, batch_id: int, q: MemberQuery) -> MemberPage:
    """Return one page of the batch's users matching the query, sorted as a whole first."""
    get_batch(uow, batch_id, viewer)  # NotFound, or PermissionDenied for another's draft
    needle = normal_form(q.search)  # the form usernames and emails are stored in
    total = uow.members.count_matching(batch_id, q.status, needle)
    page = min(q.page, max(1, math.ceil(total / q.page_size)))
    rows = uow.members.page(
        batch_id, q.status, needle, q.sort, q.desc, q.page_size, (page - 1) * q.page_size
    )
    return MemberPage(rows, total, page, q.page_size)


def all_members(
    uow: UnitOfWork, viewer: Account, batch_id: int, status: str | None = None
) -> pl.DataFrame:
    """Return every user of the batch (a batch holds at most the limit) in the order they came."""
    everyone = MemberQuery(status=status, page_size=MAX_USERS_PER_BATCH)
    return list_members(uow, viewer, batch_id, everyone).rows


def members_csv(uow: UnitOfWork, viewer: Account, batch_id: int) -> bytes:
    """Return every user of the batch with their status and reason, as a safe CSV."""
    require(viewer, Permission.VIEW)
    rows = all_members(uow, viewer, batch_id)
    table = rows.select(
        pl.col("user_id").alias(words.USER_ID),
        pl.col("username").alias(words.USERNAME),
        pl.col("email").alias("Email"),
        pl.col("status")
        .replace_strict(words.USER_STATUS, default=pl.col("status"))
        .alias(words.STATUS),
        pl.col("error_reason").fill_null("").alias("Reason"),
        pl.col("added_via")
        .replace_strict(words.ADDED_VIA_WORDS, default=pl.col("added_via"))
        .alias(words.ADDED_VIA),
        pl.col("added_by").alias(words.ADDED_BY),  # the person; the method is "Added via"
        pl.col("added_at").dt.strftime("%Y-%m-%d %H:%M:%S%:z").alias("Added at"),
        pl.col("processed_at")
        .dt.strftime("%Y-%m-%d %H:%M:%S%:z")
        .fill_null("")
        .alias("Processed at"),
        pl.col("revoke_reason").fill_null("").alias(REVOKE_REASON),
        pl.col("revoked_by").fill_null("").alias(REVOKED_BY),
        pl.col("revoked_at").dt.strftime("%Y-%m-%d %H:%M:%S%:z").fill_null("").alias(REVOKED_AT),
        pl.col("kept_by_batch").cast(pl.String).fill_null("").alias(KEPT_BY_BATCH),
    )
    return csv_safe.to_csv_bytes(table, separator=words.TEMPLATE_SEPARATOR, bom=True)


def error_rows_csv(uow: UnitOfWork, viewer: Account, batch_id: int) -> bytes:
    """Return the users in "Error" in the upload template's format, with a Reason column."""
    rows = list_members(
        uow, viewer, batch_id, MemberQuery(status="error", page_size=MAX_USERS_PER_BATCH)
    ).rows
    return template.error_rows_csv(
        rows.select(
            pl.col("user_id").cast(pl.String).alias("id"),
            "username",
            "email",
            pl.col("error_reason").fill_null("").alias("message"),
        )
    )
