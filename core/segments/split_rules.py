"""Refusals of putting a segment's users into batches, and the split's numbers and names:
how many drafts hold them, what each is called, and the sentences that say why not."""

from __future__ import annotations

import math

from core.batches.errors import BatchFull
from core.batches.names import MAX_NAME_LENGTH, clean_name
from core.batches.rules import MAX_USERS_PER_BATCH
from core.segments.segment import MAX_EXPORT_ROWS

MAX_SPLIT_DRAFTS = 20
NO_USERS = "No users match the filters, so there is no one to add. Change the filters."


def count_said(count: int) -> str:
    """Say a count of users the reads stopped at: "1,234", or "More than 100,000"."""
    # MAX_EXPORT_ROWS + 1 is where the reads stop: all that is known then is "more than".
    return f"More than {MAX_EXPORT_ROWS:,}" if count > MAX_EXPORT_ROWS else f"{count:,}"


class TooManyUsers(BatchFull):
    """More users would be added than a batch holds (with `batch_id`: than it has room for).

    `count` (MAX_EXPORT_ROWS + 1: more), `limit`, `drafts` (NEW drafts a split makes), `batch_id`,
    `in_batch` (users it holds), `room` (left); `can_split`: whether the split is on offer."""

    def __init__(
        self, count: int, drafts: int | None = None, batch_id: int | None = None, in_batch: int = 0
    ) -> None:
        self.count, self.limit = count, MAX_USERS_PER_BATCH
        self.batch_id, self.in_batch = batch_id, in_batch
        self.room = max(self.limit - in_batch, 0)
        self.drafts = drafts_needed(count) if drafts is None else drafts
        if batch_id is None:
            said = f"{count_said(count)} of the matching users can be added; a batch holds at most "
            said += f"{self.limit:,}."
            split = f" Split them into {self.drafts} drafts of at most {self.limit:,} each, or "
            split += "narrow the filters."
            other = f" That is more than {MAX_SPLIT_DRAFTS} drafts hold: narrow the filters."
        else:  # no file here, so not the upload's "remove users from the file"
            holds = f" (it holds {in_batch:,} of {self.limit:,})" if in_batch else ""
            said = f"{count_said(count)} of the matching users can be added, but batch {batch_id} "
            said += f"has room for {self.room:,} more{holds}."
            split = " Narrow the filters, or split them into new drafts."
            other = " Narrow the filters."
        super().__init__(said + (split if self.can_split else other))

    @property
    def more_than(self) -> bool:
        """Tell whether `count` is only a floor: more than MAX_EXPORT_ROWS could be added."""
        return self.count > MAX_EXPORT_ROWS

    @property
    def can_split(self) -> bool:
        """Tell whether splitting into new drafts is on offer (at most MAX_SPLIT_DRAFTS)."""
        return self.drafts <= MAX_SPLIT_DRAFTS and not self.more_than


def drafts_needed(count: int, limit: int = MAX_USERS_PER_BATCH) -> int:
    """Return the fewest drafts of at most `limit` users that hold `count` users."""
    return math.ceil(max(count, 0) / limit)


def split_names(name: str, n: int) -> list[str]:
    """Return "name (1 of n)" … for n drafts, the name shortened so each fits the name rule."""
    base = clean_name(name)
    if n == 1:
        return [base]  # one draft holds them all: no "(1 of 1)"
    suffix_length = len(f" ({n} of {n})")
    if len(base) + suffix_length > MAX_NAME_LENGTH:
        base = base[: MAX_NAME_LENGTH - suffix_length].rstrip()
    return [clean_name(f"{base} ({i} of {n})") for i in range(1, n + 1)]


PENDING_REVOKE_OVERFILL = (
    "More of the matching users can be added than were counted: some hold the quest only "
    "through a revoke still in progress, and with them the batch would go over "
    f"{MAX_USERS_PER_BATCH:,} users. Wait for the revoke to finish, or narrow the filters."
)
