"""A workbook's shared strings: only those its sheet uses, read in bounded chunks."""

from __future__ import annotations

import re
import zipfile

import polars as pl

from core.errors import InputError
from core.upload import limits
from core.upload.xlsx_xml import NS, B, text_of
from core.upload.xlsx_zip import xml_chunks

_SI_END = re.compile(rf"</{NS}si>")
_SI = rf"(?s)<{NS}si{B}.*?</{NS}si>"


def shared_strings(book: zipfile.ZipFile, name: str, wanted: pl.Series) -> pl.DataFrame:
    """Return the shared strings the sheet uses as (index, text), reading the part in chunks.

    Only the strings in `wanted` are kept (a workbook's table also serves its other sheets,
    and may hold millions), and reading stops after the last one wanted.
    """
    path = next((n for n in book.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    parts: list[pl.DataFrame] = []
    if path is not None and wanted.len():
        last, offset, carry = int(wanted.max()), 0, ""
        for text in xml_chunks(book, path):
            text = carry + text
            ends = list(_SI_END.finditer(text, max(0, len(text) - 65_536))) or list(
                _SI_END.finditer(text)
            )
            cut = ends[-1].end() if ends else 0
            carry, text = text[cut:], text[:cut]
            if len(carry) > limits.MAX_CELL_XML:
                raise InputError(limits.cell_too_long(name))
            if not text:
                continue
            items = pl.Series([text]).str.extract_all(_SI)
            chunk = pl.DataFrame({"text": items.explode().drop_nulls()}).with_columns(
                pl.int_range(offset, offset + pl.len(), dtype=pl.UInt32).alias("index")
            )
            offset += chunk.height
            chunk = chunk.filter(pl.col("index").is_in(wanted.implode()))
            parts.append(chunk.select("index", text_of(pl.col("text"))))
            if offset > last:
                break
    if not parts:
        return pl.DataFrame(schema={"index": pl.UInt32, "text": pl.String})
    return pl.concat(parts)
