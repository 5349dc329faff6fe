"""Judging uploaded rows, in polars: what the store looks up, and each row's status from its hits.

`match_keys` turns the upload's rows into the keys the store matches on (the ID as a number, the
normal forms of username and email, which fields are filled). The store answers with every
(row, user) pair where a filled field matches the user (`MatchingRepository.match`); `judge`
gives each row its status from those pairs, `row_messages` puts the words to them.
"""

from __future__ import annotations

import polars as pl

from core.batches.row_status import (
    ALREADY_IN_BATCH,
    ALREADY_UNLOCKED,
    DUPLICATE,
    INACTIVE,
    MESSAGES,
    MISMATCH,
    NOT_FOUND,
    OK,
    STATUSES,
)
from core.platform_users import ids
from core.platform_users.names import normalise
from core.upload.columns import EMAIL, FIELDS, ID, USERNAME

# The bit of each field in `filled` and in the store's `field` column.
FIELD_BITS = {ID: 1, USERNAME: 2, EMAIL: 4}


def match_keys(rows: pl.DataFrame) -> pl.DataFrame:
    """Return per row: row, id_num, username_norm, email_norm, filled (bits of the filled fields)."""
    return rows.select(
        pl.col("row"),
        pl.when(ids.id_expr(pl.col(ID)))
        .then(pl.col(ID).cast(pl.Int64, strict=False))
        .alias("id_num"),
        normalise(pl.col(USERNAME)).alias("username_norm"),
        normalise(pl.col(EMAIL)).alias("email_norm"),
        (
            pl.col(ID).is_not_null().cast(pl.Int32)
            + 2 * pl.col(USERNAME).is_not_null().cast(pl.Int32)
            + 4 * pl.col(EMAIL).is_not_null().cast(pl.Int32)
        ).alias("filled"),  # the FIELD_BITS of the filled fields
    )


def judge(keys: pl.DataFrame, matches: pl.DataFrame) -> pl.DataFrame:
    """Give each row its status (row, status, user_id) from the (row, user, field) matches.

    No field matches anyone: not_found. Fields match, but no single user matches every filled
    field: mismatch. Otherwise the row's user is already in the batch, already unlocked,
    deactivated, or ok; a later row of a user with an earlier ok row is a duplicate.
    """
    per_user = matches.group_by("row", "user_id").agg(
        pl.col("field").sum().alias("fields"),  # each field matches a user once: sum = bit-or
        pl.col("active").first(),
        pl.col("in_batch").first(),
        pl.col("unlocked").first(),
    )
    # The user a row identifies: one who matches every filled field (the lowest id if several).
    chosen = (
        per_user.join(keys.select("row", "filled"), on="row")
        .filter(pl.col("fields") == pl.col("filled"))
        .sort("row", "user_id")
        .unique("row", keep="first")
    )
    judged = (
        keys.select("row")
        .with_columns(pl.col("row").is_in(per_user["row"].implode()).alias("any_match"))
        .join(chosen.drop("fields", "filled"), on="row", how="left")
        .sort("row")
        .with_columns(
            pl.when(~pl.col("any_match"))
            .then(pl.lit(NOT_FOUND))
            .when(pl.col("user_id").is_null())
            .then(pl.lit(MISMATCH))
            .when(pl.col("in_batch"))
            .then(pl.lit(ALREADY_IN_BATCH))
            .when(pl.col("unlocked"))
            .then(pl.lit(ALREADY_UNLOCKED))
            .when(~pl.col("active"))
            .then(pl.lit(INACTIVE))
            .otherwise(pl.lit(OK))
            .alias("status")
        )
    )
    # Later rows for the user of an earlier `ok` row are merged into it.
    first_ok = pl.col("row").filter(pl.col("status") == OK).min().over("user_id")
    return judged.select(
        "row",
        pl.when((pl.col("status") == OK) & (pl.col("row") > first_ok))
        .then(pl.lit(DUPLICATE))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.col("user_id").cast(pl.Int64),
    )


def row_messages(rows: pl.DataFrame, judged: pl.DataFrame, details: pl.DataFrame) -> pl.DataFrame:
    """Return the preview's rows: row, the fields, status, message (a detail if any), user_id."""
    return (
        rows.join(judged, on="row", how="left", maintain_order="left")
        .join(details, on="row", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce(
                "detail", pl.col("status").replace_strict(MESSAGES, return_dtype=pl.String)
            ).alias("message")
        )
        .select("row", *FIELDS, "status", "message", "user_id")
    )


def status_counts(rows: pl.DataFrame) -> dict[str, int]:
    """Return how many rows have each status (0 for the absent ones), in STATUSES order."""
    counts = dict(rows.group_by("status").len().iter_rows())
    return {status: counts.get(status, 0) for status in STATUSES}
