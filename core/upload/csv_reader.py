"""Reading an uploaded CSV file into the template columns: decode, parse within bounds, pick columns."""

from __future__ import annotations

import polars as pl

from core.upload.columns import FIELDS, pick_columns
from core.upload.csv_cells import NO_SEPARATOR, read_cells
from core.upload.csv_text import decode
from core.upload.refusals import empty_file
from core.upload.user_list import Upload, cell_value, make_upload


def read_csv(data: bytes, name: str) -> Upload:
    """Read a CSV file's bytes (any common encoding, ; tab or , separated) into an Upload."""
    text, encoding = decode(data, name)
    cells, separator, first_row = read_cells(text, name)
    return _from_cells(name, cells, encoding, separator, first_row)


def _from_cells(
    name: str, cells: pl.DataFrame, encoding: str, separator: str, first_row: int
) -> Upload:
    """Turn a frame of raw cells (first row = header) into an Upload."""
    if cells.height == 0 or cells.width == 0:
        raise empty_file(name)
    header = [(v or "").strip().lstrip("\ufeff") for v in cells.row(0)]
    if not any(header):
        raise empty_file(name)
    # A row is blank when every cell is empty, the ignored columns included. Rows with no cell
    # at all go first, before the costlier trimming (a file can hold millions of ";;" lines).
    data = (
        cells.with_columns(
            pl.int_range(first_row, first_row + pl.len(), dtype=pl.Int64).alias("row")
        )
        .slice(1)
        .filter(~pl.all_horizontal(pl.col(c).is_null() for c in cells.columns))
        .with_columns(cell_value(pl.col(c)) for c in cells.columns)
        .filter(~pl.all_horizontal(pl.col(c).is_null() for c in cells.columns))
    )
    filled = {
        i
        for i, c in enumerate(cells.columns)
        if not header[i] and data[c].null_count() < data.height
    }
    found, ignored = pick_columns(name, header, filled)
    rows = data.select(
        pl.col("row"),
        *(
            (
                pl.col(cells.columns[found[code]]) if code in found else pl.lit(None, pl.String)
            ).alias(code)
            for code in FIELDS
        ),
    )
    shown_separator = "" if separator == NO_SEPARATOR else separator
    return make_upload(name, rows, found, ignored, "csv", encoding, shown_separator)
