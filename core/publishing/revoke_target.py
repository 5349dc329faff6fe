"""Whom a revoke is for: every user of the batch, chosen User IDs, an upload in the template
format (matched as an upload is, core.batches.matching) or one User ID or username (as the
"Single" tool takes it), turned into rows of User IDs. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core import words
from core.batches import matching
from core.batches.errors import UserNotFound
from core.batches.read_model import Batch
from core.errors import InputError
from core.platform_users import ids
from core.store.ports import UnitOfWork
from core.upload.user_list import Upload, from_values


@dataclass(frozen=True)
class RevokeTarget:
    """Whose unlocks to revoke: exactly one of all users, User IDs, an upload or one lookup."""

    all_users: bool = False
    user_ids: tuple[int, ...] = ()
    upload: Upload | None = None  # a CSV/xlsx in the template format
    lookup: str | None = None  # one User ID or Username, as the "Single" tool takes it

    def check(self) -> None:
        """Refuse a target that names nobody, or names them in more than one way."""
        given = [
            self.all_users,
            bool(self.user_ids),
            self.upload is not None,
            self.lookup is not None,
        ]
        if sum(given) > 1:
            raise ValueError("a revoke target is all users, user ids, an upload or one lookup")
        if not any(given):
            raise InputError(
                "Choose whom to revoke: every user of the batch, users picked in the list, a "
                "file in the template format, or one User ID or username."
            )

    @property
    def matches_names(self) -> bool:
        """Tell whether the target is matched against usernames (the index must be synced)."""
        return self.upload is not None or self.lookup is not None


def target_rows(uow: UnitOfWork, batch: Batch, target: RevokeTarget) -> pl.DataFrame:
    """The target as rows: row (upload row or null), user_id (null: found nobody), message."""
    if target.user_ids:
        return pl.DataFrame(
            {"row": None, "user_id": sorted({int(u) for u in target.user_ids}), "message": None},
            schema={"row": pl.Int64, "user_id": pl.Int64, "message": pl.String},
        )
    if target.upload is not None:
        return _matched(uow, batch, target.upload)
    return _looked_up(uow, batch, target.lookup or "")


def _matched(uow: UnitOfWork, batch: Batch, upload: Upload) -> pl.DataFrame:
    """Each upload row with the user it identifies, matched as an upload preview matches it."""
    rows = matching.classify(uow, upload, batch.quest_id, batch.id).rows
    return rows.select(
        pl.col("row").cast(pl.Int64),
        pl.col("user_id").cast(pl.Int64),
        # A row that found nobody keeps the upload preview's words for why.
        pl.when(pl.col("user_id").is_null()).then(pl.col("message")).alias("message"),
    )


def _looked_up(uow: UnitOfWork, batch: Batch, value: str) -> pl.DataFrame:
    """The one user a User ID or username names (a User ID first when it is all digits)."""
    value = value.strip()
    if not value:
        raise UserNotFound(f"Type a {words.USER_ID} or {words.USERNAME.lower()} first.")
    tries = [{"ids": [value]}, {"usernames": [value]}] if ids.is_digits(value) else []
    tries = tries or [{"usernames": [value]}]
    for fields in tries:
        found = matching.classify(uow, from_values(**fields), batch.quest_id, batch.id).rows
        if found["user_id"][0] is not None:
            return found.select(
                pl.lit(None, pl.Int64).alias("row"),
                pl.col("user_id").cast(pl.Int64),
                pl.lit(None, pl.String).alias("message"),
            )
    raise UserNotFound(
        f"No user has the {words.USER_ID} or {words.USERNAME.lower()} “{value}”. Check it, or "
        "pick the user in the batch's users list."
    )
