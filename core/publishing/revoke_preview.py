"""Whom a revoke would reach: the target users, each in one category, with words for people.

The target (core.publishing.revoke_target) becomes users; the store puts each in one category,
set-based (`uow.publishing.revoke_categories`); this module adds the rows of an upload that
found nobody, merges duplicated rows, words every row and counts them. It writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core import words
from core.batches.read_model import Batch
from core.publishing.revoke_target import RevokeTarget, target_rows
from core.store.ports import UnitOfWork

__all__ = ["RevokePreview", "RevokeTarget", "categorise", "kept_sentence", "quest_label"]

# The categories, in the order the preview counts them (the keys of RevokePreview.counts).
REVOKE = "revoke"
NOT_IN_BATCH = "not_in_batch"
NOT_UNLOCKED = "not_unlocked_by_this_batch"
KEPT = "kept_from_other_batch"
CATEGORIES = (REVOKE, NOT_IN_BATCH, NOT_UNLOCKED, KEPT)
# Those set "Revoking" by the request: their unlock goes, or stays with another batch.
REACHED = (REVOKE, KEPT)

# What the preview says for each category (a kept row names the batch that keeps it).
MESSAGES = {
    REVOKE: "Will be revoked",
    NOT_IN_BATCH: "Not in this batch",
    NOT_UNLOCKED: "Not unlocked by this batch",
    KEPT: "Keeps the badge quest: another batch unlocked it too",
}
# Each category counted in words ("3 not in this batch").
COUNT_WORDS = {
    REVOKE: "to revoke",
    NOT_IN_BATCH: "not in this batch",
    NOT_UNLOCKED: "not unlocked by this batch",
    KEPT: "kept from another batch",
}

_DETAILS = {
    "row": pl.Int64,
    "user_id": pl.Int64,
    "username": pl.String,
    "category": pl.String,
    "message": pl.String,
}


@dataclass(frozen=True, eq=False)
class RevokePreview:
    """What a revoke would do: each target user's category, counted, and the question to ask."""

    batch_id: int
    batch_name: str
    quest_label: str  # "Learner › Finish a course"
    counts: dict[str, int]  # keys exactly CATEGORIES
    details: pl.DataFrame  # row (upload row or null), user_id, username, category, message
    user_ids: tuple[int, ...]  # those to be set "Revoking" (revoke + kept)

    @property
    def question(self) -> str:
        """The confirmation: "Revoke Learner › Finish a course from 4,911 users? 89 also …"."""
        kept = self.counts[KEPT]
        if kept and not self.counts[REVOKE]:  # nothing is taken back: only their status changes
            who = "It keeps" if kept == 1 else "They all keep"
            others = "another batch" if kept == 1 else "other batches"
            return (
                f"Mark {words.count(kept, 'user')} of this batch “{words.USER_STATUS['revoked']}”? "
                f"{who} {self.quest_label} from {others}."
            )
        text = f"Revoke {self.quest_label} from {words.count(self.counts[REVOKE], 'user')}?"
        if kept:
            text += " " + kept_sentence(kept)
        return text

    @property
    def reached(self) -> int:
        """Return how many users the revoke sets "Revoking" (revoked, or kept by another batch)."""
        return len(self.user_ids)

    def counts_text(self) -> str:
        """Return the non-zero counts in words: "3 to revoke, 1 not in this batch"."""
        return ", ".join(f"{n:,} {COUNT_WORDS[c]}" for c, n in self.counts.items() if n)


def kept_sentence(kept: int) -> str:
    """Say that `kept` users hold the quest from other batches and keep it."""
    if kept == 1:
        return "1 also holds it from another batch and keeps it."
    return f"{kept:,} also hold it from other batches and keep it."


def quest_label(batch: Batch) -> str:
    """Return the batch's badge quest as people read it: "Learner › Finish a course"."""
    if batch.badge is None or batch.quest is None:
        return f"badge quest {batch.quest_id}"
    return f"{batch.badge} › {batch.quest}"


def categorise(uow: UnitOfWork, batch: Batch, target: RevokeTarget) -> RevokePreview:
    """Put every target user of the batch in one category; reads only (any transaction).

    For an upload or a lookup, call `matching.sync_user_index` first (outside a transaction).
    """
    target.check()
    if target.all_users:
        rows = None
        categories = uow.publishing.revoke_categories(batch.id, None)
    else:
        rows = target_rows(uow, batch, target)
        wanted = rows["user_id"].drop_nulls().unique().sort().to_list()
        categories = _categories(uow, batch.id, wanted)
    details = _details(uow, rows, categories)
    primary = details.filter(~pl.col("merged"))
    found = dict(primary.group_by("category").len().iter_rows())
    counts = {c: int(found.get(c, 0)) for c in CATEGORIES}
    reached = primary.filter(pl.col("category").is_in(REACHED))["user_id"].unique().sort()
    return RevokePreview(
        batch_id=batch.id,
        batch_name=batch.name,
        quest_label=quest_label(batch),
        counts=counts,
        details=details.drop("merged"),
        user_ids=tuple(int(u) for u in reached),
    )


def _categories(uow: UnitOfWork, batch_id: int, user_ids: list[int]) -> pl.DataFrame:
    if not user_ids:
        return pl.DataFrame(
            schema={
                "user_id": pl.Int64,
                "category": pl.String,
                "status": pl.String,
                "other_batch": pl.Int64,
            }
        )
    return uow.publishing.revoke_categories(batch_id, user_ids)


def _details(uow: UnitOfWork, rows: pl.DataFrame | None, categories: pl.DataFrame) -> pl.DataFrame:
    """Every target row worded: its user's category, or why it found nobody; repeats merged."""
    if rows is None:  # every member: no upload rows, nobody not found
        rows = categories.select(
            pl.lit(None, pl.Int64).alias("row"), "user_id", pl.lit(None, pl.String).alias("message")
        )
    rows = rows.select("row", "user_id", pl.col("message").alias("found_nobody"))
    with_users = rows.join(categories, on="user_id", how="left", maintain_order="left")
    names = _usernames(uow, with_users["user_id"].drop_nulls().unique())
    worded = (
        with_users.join(names, on="user_id", how="left", maintain_order="left")
        .with_columns(
            # A user named by several rows counts once: the first row; later ones are merged.
            merged=pl.col("user_id").is_not_null()
            & (pl.int_range(pl.len()).over("user_id", order_by="row") > 0),
            category=pl.coalesce(pl.col("category"), pl.lit(NOT_IN_BATCH)),
        )
        .with_columns(message=_message())
    )
    return worded.sort("row", "user_id", nulls_last=True).select(*_DETAILS, "merged")


def _message() -> pl.Expr:
    status_word = pl.col("status").replace_strict(
        words.USER_STATUS, default=pl.col("status"), return_dtype=pl.String
    )
    return (
        pl.when(pl.col("merged"))
        .then(pl.lit(words.MSG_DUPLICATE))
        .when(pl.col("user_id").is_null())
        .then(pl.coalesce(pl.col("found_nobody"), pl.lit(words.MSG_NOT_FOUND)))
        # A User ID given as such that no platform user has: worded as the upload words it.
        .when(pl.col("username").is_null() & (pl.col("category") == NOT_IN_BATCH))
        .then(pl.lit(words.MSG_MISMATCH))
        .when((pl.col("category") == KEPT) & pl.col("other_batch").is_not_null())
        .then(
            pl.lit("Keeps the badge quest: batch ")
            + pl.col("other_batch").cast(pl.String)
            + pl.lit(" unlocked it too")
        )
        .when((pl.col("category") == NOT_UNLOCKED) & pl.col("status").is_not_null())
        .then(pl.lit(MESSAGES[NOT_UNLOCKED] + ": its status here is “") + status_word + pl.lit("”"))
        .otherwise(pl.col("category").replace_strict(MESSAGES, return_dtype=pl.String))
    )


def _usernames(uow: UnitOfWork, user_ids: pl.Series) -> pl.DataFrame:
    if user_ids.is_empty():
        return pl.DataFrame(schema={"user_id": pl.Int64, "username": pl.String})
    return uow.matching.usernames(user_ids.cast(pl.Int64)).select(
        pl.col("user_id").cast(pl.Int64), pl.col("username").cast(pl.String)
    )
