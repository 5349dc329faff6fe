"""Reading an uploaded .xlsx workbook into the template columns: its first sheet's filled cells."""

from __future__ import annotations

import polars as pl

from core.upload.columns import FIELDS, pick_columns
from core.upload.refusals import empty_file
from core.upload.user_list import Upload, cell_value, make_upload
from core.upload.xlsx_sheet import read_first_sheet


def read_xlsx(data: bytes, name: str) -> Upload:
    """Read a workbook's first sheet into an Upload; the header is its first filled row."""
    cells = read_first_sheet(data, name)
    cells = cells.with_columns(cell_value(pl.col("value")).alias("value")).drop_nulls("value")
    if cells.height == 0:
        raise empty_file(name)
    header_row = int(cells["row"].min())
    titles = dict(cells.filter(pl.col("row") == header_row).select("col", "value").iter_rows())
    data_cells = cells.filter(pl.col("row") > header_row)
    filled = {c - 1 for c in data_cells["col"].unique().to_list() if not titles.get(c)}
    width = max([*titles, *(c + 1 for c in filled)])
    header = [(titles.get(col) or "").lstrip("\ufeff").strip() for col in range(1, width + 1)]
    found, ignored = pick_columns(name, header, filled)
    rows = data_cells.select("row").unique().sort("row")
    for code, position in found.items():
        column = data_cells.filter(pl.col("col") == position + 1).unique("row", keep="first")
        rows = rows.join(column.select("row", pl.col("value").alias(code)), on="row", how="left")
    rows = rows.select(
        "row", *(pl.col(c) if c in found else pl.lit(None, pl.String).alias(c) for c in FIELDS)
    )
    return make_upload(name, rows, found, ignored, "xlsx", "", "")
