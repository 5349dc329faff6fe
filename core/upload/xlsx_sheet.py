"""Reading the filled cells of a workbook's first sheet straight from its XML, within bounds.

A spreadsheet library builds the sheet's whole grid: one cell at XFD1048576 makes it allocate
512 GB and abort the process, which no `except` can catch. Here the zip's declared sizes are
checked first, then the sheet XML is streamed in bounded chunks and its cells are picked out
with regular expressions run by polars, keeping only the filled ones as (row, col, value). The
sheet's declared `<dimension>` is never trusted: only real cells count, and reading stops as
soon as a bound of core.upload.limits is passed.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

import polars as pl

from core.errors import OverLimit
from core.upload import limits, xlsx_zip
from core.upload.refusals import not_a_workbook
from core.upload.xlsx_cells import State, cells
from core.upload.xlsx_strings import shared_strings
from core.upload.xlsx_xml import NS, unescape

_ITEM_START = re.compile(rf"<{NS}(?:row|c)[\s/>]")
_SHEET_DATA = re.compile(rf"<{NS}sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(rf"</{NS}sheetData>")
_EMPTY = pl.DataFrame(
    schema={"row": pl.Int64, "col": pl.Int32, "value": pl.String, "sst": pl.UInt32}
)


def read_first_sheet(data: bytes, name: str) -> pl.DataFrame:
    """Return the filled cells (row Int64, col Int32 with A = 1, value) of the workbook's first
    sheet; raise InputError when it is beyond bounds or not a workbook."""
    xlsx_zip.check_entry_count(data, name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            xlsx_zip.check_members(book, name)
            return _read_sheet(book, xlsx_zip.first_sheet(book), name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, OSError):
        raise not_a_workbook(name) from None
    except (ValueError, NotImplementedError, struct.error, pl.exceptions.PolarsError):
        raise not_a_workbook(name) from None


def _count_cells(book: zipfile.ZipFile, path: str, name: str) -> None:
    """Refuse a sheet with too many cells after a quick count, before parsing any of them."""
    seen = 0
    for text in xlsx_zip.xml_chunks(book, path):
        seen += text.count("<c ") + text.count("<c>") + text.count(":c ") + text.count(":c>")
        if seen > limits.MAX_SHEET_CELLS:
            raise OverLimit(limits.too_many_cells(name))


def _read_sheet(book: zipfile.ZipFile, path: str, name: str) -> pl.DataFrame:
    _count_cells(book, path, name)
    pieces: list[pl.DataFrame] = []
    state = State()
    buffer, inside = "", False
    for text in xlsx_zip.xml_chunks(book, path):
        buffer += text
        if not inside:
            opening = _SHEET_DATA.search(buffer)
            if opening is None:
                buffer = buffer[-512:]  # the tag may straddle two chunks
                continue
            if opening.group(1):  # <sheetData/>: no cells at all
                break
            inside, buffer = True, buffer[opening.end() :]
        closing = _SHEET_DATA_END.search(buffer)
        if closing is not None:
            pieces.append(cells(buffer[: closing.start()], state, name))
            buffer = ""
            break
        cut = _last_item_start(buffer)
        if cut == 0 and len(buffer) > limits.MAX_CELL_XML:
            raise OverLimit(limits.cell_too_long(name))
        if cut:
            pieces.append(cells(buffer[:cut], state, name))
            buffer = buffer[cut:]
    if inside and buffer:  # no </sheetData>: a sheet cut short, refused as Excel would
        raise KeyError("truncated sheet")
    found = pl.concat(pieces) if pieces else _EMPTY
    strings = shared_strings(book, name, found["sst"].drop_nulls().unique().sort())
    found = (
        found.join(strings, left_on="sst", right_on="index", how="left", maintain_order="left")
        .select("row", "col", pl.coalesce("value", "text").alias("value"))
        .filter(pl.col("value").str.strip_chars().ne(""))
    )
    return found.with_columns(unescape(found["value"]))


def _last_item_start(buffer: str) -> int:
    """Return where the last (maybe incomplete) <row> or <c> starts; 0 when none does after 0."""
    window = max(0, len(buffer) - 65_536)
    while True:
        last = 0
        for match in _ITEM_START.finditer(buffer, window):
            last = match.start()
        if last or window == 0:
            return last
        window = 0
