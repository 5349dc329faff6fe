"""The words of a "User was not found" row: whom each of its filled fields names, in polars.

"User was not found: ID 30005 is yuki.kowalski30005, the email belongs to nobody."
"""

from __future__ import annotations

import polars as pl

from core import words
from core.batches.judging import FIELD_BITS
from core.batches.row_status import MISMATCH
from core.upload.columns import EMAIL, FIELDS, ID, USERNAME

# A row names the users each filled field points at, at most this many each.
_NAMES_SHOWN = 3

NO_DETAILS = pl.DataFrame(schema={"row": pl.Int64, "detail": pl.String})


def mismatch_hits(matches: pl.DataFrame, judged: pl.DataFrame) -> pl.DataFrame:
    """Return the (row, user_id, field) matches of the mismatch rows: whose names they need."""
    wanted = judged.filter(pl.col("status") == MISMATCH).select("row")
    return matches.join(wanted, on="row", how="semi").select("row", "user_id", "field")


def describe(
    rows: pl.DataFrame,
    keys: pl.DataFrame,
    judged: pl.DataFrame,
    hits: pl.DataFrame,
    names: pl.DataFrame,
) -> pl.DataFrame:
    """Return (row, detail) for the mismatch rows: the spec's words, then who each field is.

    `hits` come from `mismatch_hits`; `names` gives (user_id, username) for their users.
    """
    wanted = judged.filter(pl.col("status") == MISMATCH).select("row")
    if wanted.height == 0:
        return NO_DETAILS
    per_field = (
        hits.join(names, on="user_id", how="left")
        .sort("row", "field", "user_id")
        .group_by("row", "field")
        .agg(
            pl.col("user_id").alias("ids"),
            pl.format("ID {} ({})", "user_id", "username").alias("who"),
            pl.col("username").first().alias("name"),
        )
    )
    table = wanted.join(rows.select("row", *FIELDS), on="row", how="left").join(
        keys.select("row", "id_num"), on="row", how="left"
    )
    for code, bit in FIELD_BITS.items():
        table = table.join(
            per_field.filter(pl.col("field") == bit).select(
                "row", *(pl.col(c).alias(f"{code}_{c}") for c in ("ids", "who", "name"))
            ),
            on="row",
            how="left",
        )
    text = pl.concat_str(
        [_id_clause(), _clause(USERNAME, "username"), _clause(EMAIL, "email")],
        separator=", ",
        ignore_nulls=True,
    )
    return table.select(
        "row",
        (
            pl.lit(words.MSG_MISMATCH + ": ")
            + text.str.slice(0, 1).str.to_uppercase()
            + text.str.slice(1)
            + pl.lit(".")
        ).alias("detail"),
    )


def _id_clause() -> pl.Expr:
    """What the ID names: "ID 30005 is yuki.kowalski30005", "no user has ID 7", or not an ID."""
    return (
        pl.when(pl.col(ID).is_null())
        .then(None)
        .when(pl.col("id_num").is_null())
        .then(pl.format("“{}” is not a User ID (digits only)", pl.col(ID)))
        .when(pl.col(f"{ID}_ids").is_null())
        .then(pl.format("no user has ID {}", "id_num"))
        .otherwise(pl.format("ID {} is {}", "id_num", f"{ID}_name"))
    )


def _clause(code: str, word: str) -> pl.Expr:
    """Whom a username or email names: nobody, the ID's user too, or up to three others."""
    ids_, who = pl.col(f"{code}_ids"), pl.col(f"{code}_who")
    more = pl.when(who.list.len() > _NAMES_SHOWN).then(
        pl.format(" and {} more", who.list.len() - _NAMES_SHOWN)
    )
    return (
        pl.when(pl.col(code).is_null())
        .then(None)
        .when(ids_.is_null())
        .then(pl.lit(f"the {word} belongs to nobody"))
        .when(ids_.list.contains(pl.col(f"{ID}_ids").list.first()).fill_null(False))
        .then(pl.lit(f"the {word} is theirs too"))  # the user the ID names
        .otherwise(
            pl.lit(f"the {word} belongs to ")
            + who.list.head(_NAMES_SHOWN).list.join(" and ")
            + more.otherwise(pl.lit(""))
        )
    )
