"""Writing CSV files that are safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) is run as a formula by Excel and
similar programs ("CSV injection"); so is one that starts with their full-width forms ＝ ＋ － ＠,
which a Japanese or Chinese input method types and spreadsheets read as the ASCII ones. Every CSV
the app writes goes through `to_csv_bytes`, which puts an apostrophe in front of such text values;
the spreadsheet then shows the text as typed. Reading an upload undoes exactly that
(`unneutralise`, used by core.upload), so a downloaded file can be uploaded again. Every file
starts with a UTF-8 BOM, without which Excel reads UTF-8 as the local code page and garbles
accented names.
"""

from __future__ import annotations

import polars as pl

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# The same characters as one regex class (only "-" needs escaping inside a class).
_STARTS_CLASS = "[" + "".join("\\-" if c == "-" else c for c in _FORMULA_STARTS) + "]"
_FORMULA_START_RE = "^" + _STARTS_CLASS
_BOM = "\ufeff"


def neutralise_expr(expr: pl.Expr) -> pl.Expr:
    """Put an apostrophe before each text value a spreadsheet would run as a formula."""
    return pl.when(expr.str.contains(_FORMULA_START_RE)).then(pl.lit("'") + expr).otherwise(expr)


def unneutralise(expr: pl.Expr) -> pl.Expr:
    """Undo `neutralise_expr` on read: drop an apostrophe in front of a formula start."""
    return expr.str.replace(f"^'({_STARTS_CLASS})", "$1")


def to_csv_bytes(frame: pl.DataFrame, separator: str = ";", bom: bool = True) -> bytes:
    """Write a frame as UTF-8 CSV with formulas neutralised, after a BOM (`bom=False`: none)."""
    safe = frame.with_columns(
        neutralise_expr(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )
    text = safe.write_csv(separator=separator, null_value="")
    return ((_BOM if bom else "") + text).encode("utf-8")
