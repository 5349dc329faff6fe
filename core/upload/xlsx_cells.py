"""Picking the filled cells out of a run of a sheet's <row> and <c> elements, within bounds."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.errors import OverLimit
from core.upload import limits
from core.upload.xlsx_xml import NS, SP, WS, B, text_of

_ITEM = rf"(?s)<{NS}(?:row{B}[^>]*>|c{B}[^>]*?(?:/>|>.*?</{NS}c>))"


@dataclass
class State:
    """What one chunk of cells needs from the chunks before it."""

    row: int = 0  # the current row's number (for cells and rows written without `r`)
    col: int = 0
    items: int = 0
    rows_seen: int = 0  # distinct rows holding a value
    last_filled_row: int = 0


def cells(text: str, state: State, name: str) -> pl.DataFrame:
    """Pick the filled cells out of a run of complete <row> and <c> elements.

    Returns (row, col, value, sst): a shared string's index is in `sst`, resolved at the end.
    """
    items = pl.Series([text]).str.extract_all(_ITEM).explode().drop_nulls()
    state.items += items.len()
    if state.items > 2 * limits.MAX_SHEET_CELLS:  # cells and rows; cells were counted before
        raise OverLimit(limits.too_many_cells(name))
    # One regex per column, without capture groups where possible: captures and Unicode
    # classes push Rust's regex off its fast engine (measured 5x slower).
    frame = pl.DataFrame({"item": items}).with_columns(
        pl.col("item").str.contains(rf"^<{NS}row{B}").alias("is_row"),
        pl.col("item").str.extract(r"^<[^>]*>", 0).alias("open"),
    )
    frame = frame.with_columns(
        pl.col("open").str.extract(rf"{SP}r{WS}={WS}\"([A-Za-z]*)", 1).alias("letters"),
        pl.col("open")
        .str.extract(rf"{SP}r{WS}={WS}\"[A-Za-z]*([0-9]{{1,9}})\"", 1)
        .cast(pl.Int64, strict=False)
        .alias("ref_row"),
        pl.col("open")
        .str.extract(rf"{SP}t{WS}={WS}\"([A-Za-z]+)\"", 1)
        .fill_null("n")
        .alias("type"),
    )
    rows, cols = _positions(frame, state)
    frame = frame.with_columns(row=rows, col=cols)
    found = frame.filter(~pl.col("is_row")).select(
        "row", "col", _value(frame), _shared_index().alias("sst")
    )
    # A shared string may turn out blank: such a cell still counts for the bounds here.
    found = found.filter(pl.col("value").str.strip_chars().ne("") | pl.col("sst").is_not_null())
    _check_bounds(found, state, name)
    return found.select("row", pl.col("col").cast(pl.Int32), "value", "sst")


_V = pl.col("item").str.extract(rf"(?s)<{NS}v(?:[ \t\r\n][^>]*)?>([^<]*)</", 1)


def _value(frame: pl.DataFrame) -> pl.Expr:
    """A cell's value as text, by its type; None for shared strings (resolved later) and errors."""
    inline = (frame["type"] == "inlineStr").any()
    number = _V.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.round(0)) & (number.abs() < 1e18)
    return (
        pl.when(pl.col("type") == "s")
        .then(pl.lit(None, pl.String))
        .when(pl.col("type") == "inlineStr")
        .then(text_of(pl.col("item")) if inline else pl.lit(None, pl.String))
        .when(pl.col("type") == "b")
        .then(pl.when(_V == "1").then(pl.lit("true")).when(_V == "0").then(pl.lit("false")))
        .when(pl.col("type") == "e")
        .then(pl.lit(None, pl.String))  # #N/A, #DIV/0!: no value, as Excel shows none
        .when(pl.col("type").is_in(["n"]) & whole)
        # An ID typed as a number is stored as 30007 or 3.0007E4: read it back as "30007".
        .then(number.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(_V)
        .alias("value")
    )


def _shared_index() -> pl.Expr:
    return pl.when(pl.col("type") == "s").then(_V.cast(pl.UInt32, strict=False))


def _check_bounds(found: pl.DataFrame, state: State, name: str) -> None:
    """Refuse a value past the last column read, or more rows than any batch could take."""
    too_far = found.filter(pl.col("col") > limits.MAX_COLUMNS)
    if too_far.height:
        row, col = too_far.row(0)[:2]
        raise OverLimit(
            limits.too_many_columns(name, f"a value in cell {_letters(col)}{row} (column {col:,})")
        )
    filled_rows = found["row"].unique()
    state.rows_seen += filled_rows.filter(filled_rows != state.last_filled_row).len()
    if filled_rows.len():
        state.last_filled_row = int(filled_rows.max())
    if state.rows_seen > limits.MAX_ROWS + 1:  # + 1: the header
        raise OverLimit(limits.too_many_rows(name, state.rows_seen - 1))


def _positions(frame: pl.DataFrame, state: State) -> tuple[pl.Series, pl.Series]:
    """Number every item's row and column, following cells and rows written without `r`."""
    letters, refs = frame["letters"], frame["ref_row"]
    known = {text: _column(text) for text in letters.unique().to_list() if text}
    is_cell = ~frame["is_row"]
    if frame.height and refs.null_count() == 0 and not (is_cell & (letters == "")).any():
        # Every item says where it is (Excel always writes `r`): no loop needed.
        cols = letters.replace_strict(known, default=0, return_dtype=pl.Int64)
        state.row, state.col = int(refs[-1]), int(cols[-1])
        return refs, cols
    is_row_list, letters_list, refs_list = (
        frame["is_row"].to_list(),
        letters.to_list(),
        refs.to_list(),
    )
    rows, cols_list = [0] * len(is_row_list), [0] * len(is_row_list)
    row, col = state.row, state.col
    for i, is_row in enumerate(is_row_list):
        if is_row:
            row = refs_list[i] if refs_list[i] is not None else row + 1
            col = 0
        else:
            col = known[letters_list[i]] if letters_list[i] else col + 1
            if refs_list[i] is not None:
                row = refs_list[i]
        rows[i], cols_list[i] = row, col
    state.row, state.col = row, col
    return pl.Series(rows, dtype=pl.Int64), pl.Series(cols_list, dtype=pl.Int64)


def _column(letters: str) -> int:
    """Return the column number of letters such as 'A' (1) or 'XFD' (16,384)."""
    number = 0
    for ch in letters.upper()[:8]:  # longer is far past any bound anyway
        number = number * 26 + ord(ch) - 64
    return number


def _letters(col: int) -> str:
    text = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        text = chr(65 + rest) + text
    return text
