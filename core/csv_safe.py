"""Writing CSV files that are safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) is run as a formula by Excel and
similar programs ("CSV injection"); so is one that starts with their full-width forms ＝ ＋ － ＠,
which a Japanese or Chinese input method types and spreadsheets read as the ASCII ones. Every CSV
the app writes goes through `to_csv_bytes`, which puts an apostrophe in front of such text values;
the spreadsheet then shows the text as typed. Reading an upload undoes exactly that
(`unneutralise`), so a downloaded file can be uploaded again. Every file starts with a UTF-8 BOM,
without which Excel reads UTF-8 as the local code page and garbles accented names.
"""

from __future__ import annotations

import polars as pl

from core import words

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# The same characters as one regex class (only "-" needs escaping inside a class).
_STARTS_CLASS = "[" + "".join("\\-" if c == "-" else c for c in FORMULA_STARTS) + "]"
_FORMULA_START_RE = "^" + _STARTS_CLASS
BOM = "\ufeff"


def neutralise(value: str | None) -> str | None:
    """Return the value with a leading apostrophe if a spreadsheet would run it as a formula."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_expr(expr: pl.Expr) -> pl.Expr:
    """The polars form of `neutralise`, for a String expression."""
    return pl.when(expr.str.contains(_FORMULA_START_RE)).then(pl.lit("'") + expr).otherwise(expr)


def unneutralise(expr: pl.Expr) -> pl.Expr:
    """Undo `neutralise` on read: drop an apostrophe in front of a formula start (see above)."""
    return expr.str.replace(f"^'({_STARTS_CLASS})", "$1")


def to_csv_bytes(frame: pl.DataFrame, separator: str = ";", bom: bool = True) -> bytes:
    """Write a frame as UTF-8 CSV with formulas neutralised, after a BOM (`bom=False`: none)."""
    safe = frame.with_columns(
        neutralise_expr(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )
    text = safe.write_csv(separator=separator, null_value="")
    return ((BOM if bom else "") + text).encode("utf-8")


def template_csv() -> bytes:
    """The upload template: a semicolon-separated header `ID;Username;Registered email`."""
    return (words.TEMPLATE_SEPARATOR.join(words.TEMPLATE_COLUMNS) + "\n").encode("utf-8")


REASON = "Reason"


def error_rows_csv(rows: pl.DataFrame) -> bytes:
    """Write rows (id, username, email, message) in the template format plus a "Reason" column.

    The file can be fixed in a spreadsheet and uploaded again: the reader ignores "Reason" and
    removes the apostrophes added here.
    """
    out = rows.select(
        pl.col("id").cast(pl.String).alias(words.COL_ID),
        pl.col("username").cast(pl.String).alias(words.COL_USERNAME),
        pl.col("email").cast(pl.String).alias(words.COL_EMAIL),
        pl.col("message").cast(pl.String).alias(REASON),
    )
    return to_csv_bytes(out, separator=words.TEMPLATE_SEPARATOR, bom=True)
