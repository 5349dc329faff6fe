"""The users of one batch as the detail page and the command line see them: searched, filtered,
sorted and paged in SQL, and exported as CSV (all of them, or the error rows ready to re-upload)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import polars as pl

from core import csv_safe, words
from core.access.roles import Account, Permission, require
from core.batches.drafts import get_batch
from core.errors import InputError
from core.store import frame

SORTS = {
    "user_id": "bu.user_id",
    "username": "lower(p.username)",
    "email": "lower(p.email)",
    "status": "list_position(['unpublished', 'in_progress', 'published', 'error'], bu.status)",
    "added_at": "bu.added_at",
}
STATUS_CODES = tuple(words.USER_STATUS)
DEFAULT_PAGE_SIZE = 250


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
        if self.sort not in SORTS:
            raise InputError(f"Sort by one of: {', '.join(SORTS)}.")
        if self.status is not None and self.status not in STATUS_CODES:
            object.__setattr__(self, "status", parse_user_status(self.status))
        if self.page < 1 or not 1 <= self.page_size <= 5000:
            raise InputError("The page must be 1 or more, the page size 1 to 5,000.")


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


_SELECT = """
    SELECT bu.user_id, p.username, p.email, bu.status, bu.error_reason, bu.added_via,
           bu.added_by, bu.added_at, bu.processed_at
    FROM batch_users bu LEFT JOIN platform_users p ON p.id = bu.user_id
    WHERE bu.batch_id = $batch
      AND ($status IS NULL OR bu.status = $status)
      AND ($needle = '' OR contains(p.username_norm, $needle) OR contains(p.email_norm, $needle))
"""


def _params(batch_id: int, q: MemberQuery) -> dict:
    return {"batch": batch_id, "status": q.status, "needle": q.search.strip().lower()}


def list_members(
    cur: duckdb.DuckDBPyConnection, viewer: Account, batch_id: int, q: MemberQuery
) -> MemberPage:
    """Return one page of the batch's users matching the query, sorted as a whole first."""
    get_batch(cur, batch_id, viewer)  # NotFound, or PermissionDenied for another's draft
    params = _params(batch_id, q)
    total = cur.execute(f"SELECT count(*) FROM ({_SELECT})", params).fetchall()[0][0]
    page = min(q.page, max(1, math.ceil(total / q.page_size)))
    order = f"{SORTS[q.sort]} {'DESC' if q.desc else 'ASC'}, bu.user_id"
    rows = frame(
        cur,
        f"{_SELECT} ORDER BY {order} LIMIT $limit OFFSET $offset",
        {**params, "limit": q.page_size, "offset": (page - 1) * q.page_size},
    )
    return MemberPage(rows, total, page, q.page_size)


def all_members(
    cur: duckdb.DuckDBPyConnection, viewer: Account, batch_id: int, status: str | None = None
) -> pl.DataFrame:
    """Return every user of the batch (a batch holds at most 5,000) in the order they came."""
    return list_members(cur, viewer, batch_id, MemberQuery(status=status, page_size=5000)).rows


def members_csv(cur: duckdb.DuckDBPyConnection, viewer: Account, batch_id: int) -> bytes:
    """Return every user of the batch with their status and reason, as a safe CSV."""
    require(viewer, Permission.VIEW)
    rows = all_members(cur, viewer, batch_id)
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
    )
    return csv_safe.to_csv_bytes(table, separator=words.TEMPLATE_SEPARATOR, bom=True)


def error_rows_csv(cur: duckdb.DuckDBPyConnection, viewer: Account, batch_id: int) -> bytes:
    """Return the users in "Error" in the upload template's format, with a Reason column."""
    rows = list_members(cur, viewer, batch_id, MemberQuery(status="error", page_size=5000)).rows
    return csv_safe.error_rows_csv(
        rows.select(
            pl.col("user_id").cast(pl.String).alias("id"),
            "username",
            "email",
            pl.col("error_reason").fill_null("").alias("message"),
        )
    )
