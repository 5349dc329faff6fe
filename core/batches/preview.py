"""The preview of an upload: one status per row, the totals, and whether the file fits the batch."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from core.batches.row_status import COUNT_WORDS, DUPLICATE, ERROR_STATUSES, FILTER_ALL, OK, STATUSES
from core.batches.rules import MAX_USERS_PER_BATCH
from core.upload import template

DETAIL_KEYS = ("row", "status", "message", "user_id")


def over_limit_message(in_batch: int, to_add: int, limit: int = MAX_USERS_PER_BATCH) -> str:
    """Say that a file would overfill the batch, by how much, and what to do."""
    total = in_batch + to_add
    excess = total - limit
    already = f"The batch has {in_batch:,} users and this" if in_batch else "This"
    return (
        f"{already} file would add {to_add:,} more: {total:,} users in all, over the limit of "
        f"{limit:,} users per batch. Remove {excess:,} user{'s' if excess != 1 else ''} from the "
        "file (or put them in another batch), then upload it again. Nothing from this file was "
        "added."
    )


@dataclass(frozen=True)
class Preview:
    """The outcome of matching an upload: one status per non-blank row, and the totals."""

    quest_id: int
    batch_id: int | None
    filename: str
    rows: pl.DataFrame  # row, id, username, email, status, message, user_id (by row number)
    ignored_columns: tuple[str, ...] = ()
    users_in_batch: int = 0  # before this file is added
    limit: int = MAX_USERS_PER_BATCH
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Return the number of non-blank rows."""
        return self.rows.height

    @property
    def users_to_add(self) -> int:
        """Return how many users the file would add (its `ok` rows)."""
        return self.counts.get(OK, 0)

    @property
    def n_errors(self) -> int:
        """Return how many rows will not be added as they are (every status but `ok`)."""
        return self.n_rows - self.users_to_add

    @property
    def over_limit(self) -> bool:
        """Tell whether adding this file would put more than `limit` users in the batch."""
        return self.users_in_batch + self.users_to_add > self.limit

    @property
    def limit_message(self) -> str | None:
        """Return the refusal to show when the file would overfill the batch, else None."""
        if not self.over_limit:
            return None
        return over_limit_message(self.users_in_batch, self.users_to_add, self.limit)

    def user_ids_to_add(self) -> list[int]:
        """Return the ids of the users the `ok` rows identify, in row order."""
        return self.rows.filter(pl.col("status") == OK)["user_id"].to_list()

    def filtered(self, kind: str = FILTER_ALL) -> pl.DataFrame:
        """Return the rows of one filter: FILTER_ALL, OK (good rows) or an error status."""
        if kind == FILTER_ALL:
            return self.rows
        if kind not in STATUSES:
            raise ValueError(f"unknown preview filter {kind!r}")
        return self.rows.filter(pl.col("status") == kind)

    def error_rows(self) -> pl.DataFrame:
        """Return the rows that will not be added as they are, in row order."""
        return self.rows.filter(pl.col("status") != OK)

    def rows_to_fix(self) -> pl.DataFrame:
        """Return the rows whose user is not added: the error rows but the merged duplicates.

        A duplicate's user is added through its first row, so uploading it again would only be
        refused as "Already in this batch".
        """
        return self.rows.filter(~pl.col("status").is_in([OK, DUPLICATE]))

    def error_rows_csv(self) -> bytes:
        """Return the rows to fix as a CSV in the template format plus a "Reason" column."""
        return template.error_rows_csv(self.rows_to_fix())

    def not_added_text(self) -> str:
        """Count the rows to fix by kind, in words: "3 not found, 1 user not found" ("" if none)."""
        return ", ".join(
            f"{self.counts[status]:,} {COUNT_WORDS[status]}"
            for status in ERROR_STATUSES
            if status != DUPLICATE and self.counts.get(status)
        )

    def details(self) -> list[dict]:
        """Return one {"row", "status", "message", "user_id"} per non-blank row."""
        return self.rows.select(DETAIL_KEYS).to_dicts()

    def as_dict(self) -> dict:
        """Return the preview as plain data: the keys of `python -m core preview --json`."""
        return {
            "rows": self.n_rows,
            **{status: self.counts.get(status, 0) for status in STATUSES},
            "users_to_add": self.users_to_add,
            "limit": self.limit,
            "over_limit": self.over_limit,
            "ignored_columns": list(self.ignored_columns),
            "details": self.details(),
        }
