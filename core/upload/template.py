"""The files the app offers for upload: the template, and the rows to fix with their reasons.

Both are in the template's format (semicolon-separated ID;Username;Registered email), so a
downloaded file can be filled or fixed in a spreadsheet and uploaded again as it is: the reader
ignores the "Reason" column and removes the apostrophes core.csv_safe adds before formulas.
"""

from __future__ import annotations

import polars as pl

from core import words
from core.csv_safe import to_csv_bytes
from core.upload.columns import REASON_COLUMN


def template_csv() -> bytes:
    """The upload template: a semicolon-separated header `ID;Username;Registered email`."""
    return (words.TEMPLATE_SEPARATOR.join(words.TEMPLATE_COLUMNS) + "\n").encode("utf-8")


def error_rows_csv(rows: pl.DataFrame) -> bytes:
    """Write rows (id, username, email, message) in the template format plus a "Reason" column."""
    out = rows.select(
        pl.col("id").cast(pl.String).alias(words.COL_ID),
        pl.col("username").cast(pl.String).alias(words.COL_USERNAME),
        pl.col("email").cast(pl.String).alias(words.COL_EMAIL),
        pl.col("message").cast(pl.String).alias(REASON_COLUMN),
    )
    return to_csv_bytes(out, separator=words.TEMPLATE_SEPARATOR, bom=True)
