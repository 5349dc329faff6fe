"""Parsing decoded CSV text into raw string cells, within the bounds of core.upload.limits.

Before polars parses anything, a line over 64 KB or a header of more than 1,000 fields is
refused (polars makes a column per field: 100,001 of them took 19 s and 2.4 GB), and a file with
more than 10,000 rows holding something is refused after parsing only its first 10,002 such lines.
"""

from __future__ import annotations

import itertools
import re

import polars as pl

from core.errors import OverLimit
from core.upload import limits
from core.upload.refusals import empty_file

_SEPARATORS = (";", "\t", ",")  # on a tie the template's ";" wins
NO_SEPARATOR = "\x1f"  # a one-column file: split on a byte no text file contains


def read_cells(text: str, name: str) -> tuple[pl.DataFrame, str, int]:
    """Parse decoded text into raw string cells (first row = header), within the bounds.

    Returns the cells, the separator (NO_SEPARATOR for a one-column file) and the row number of
    the header (blank lines above it count, as a spreadsheet shows them).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Anchored at line starts, so each line is scanned once (unanchored it is quadratic).
    long_line = re.search(rf"(?m)^[^\n]{{{limits.MAX_LINE_CHARS + 1}}}", text)
    if long_line is not None:
        raise OverLimit(limits.too_long_line(name, text.count("\n", 0, long_line.start()) + 1))
    lead = re.match(r"(?:[^\S\n]*\n)*", text)  # blank lines above the header
    blank_above, body = lead.group(0).count("\n"), text[lead.end() :]
    if not body.strip():
        raise empty_file(name)
    separator = _detect_separator(body.partition("\n")[0])
    _check_width(name, body, separator)
    cells = _parse_csv(_first_rows(name, body, separator), separator)
    if cells.width > limits.MAX_COLUMNS:  # a header record spanning lines, counted by polars
        raise OverLimit(limits.too_many_columns(name, f"{cells.width:,} columns"))
    return cells, separator, blank_above + 1


def _first_rows(name: str, body: str, separator: str) -> str:
    """Return the body, or refuse it once it clearly holds more than MAX_ROWS users.

    Only lines with something other than separators, quotes and spaces can hold a user, and a
    row is at least one line: when the first MAX_ROWS + 1 such lines after the header already
    parse into more than MAX_ROWS rows, the rest is never parsed.
    """
    filled = re.finditer(rf"(?m)^[^\n]*?[^\s{re.escape(separator)}\"]", body)
    cut = next(itertools.islice(filled, limits.MAX_ROWS + 2, None), None)
    if cut is None:
        return body
    head = body[: cut.start()]
    rows = _parse_csv(head, separator)
    seen = rows.height - 1 - rows.filter(pl.all_horizontal(pl.all().is_null())).height
    if seen > limits.MAX_ROWS:
        raise OverLimit(limits.too_many_rows(name, seen))
    return body  # quoted fields over several lines: the whole file is needed


def _check_width(name: str, body: str, separator: str) -> None:
    """Refuse a header with more than MAX_COLUMNS fields before polars makes a column of each."""
    if separator == NO_SEPARATOR:
        return
    lines = body[: 4 * limits.MAX_LINE_CHARS].split("\n")
    record = lines[0]
    # A quote left open carries the header record over the next lines (within bounds).
    for line in lines[1:]:
        if record.count('"') % 2 == 0:
            break
        record += "\n" + line
    fields = max(lines[0].count(separator), re.sub(r'"[^"]*"', "", record).count(separator))
    if fields + 1 > limits.MAX_COLUMNS:
        raise OverLimit(limits.too_many_columns(name, f"{fields + 1:,} columns in its header"))


def _detect_separator(header_line: str) -> str:
    """Pick the separator (; tab ,) that occurs most often in the header, outside quotes."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {sep: outside.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda sep: counts[sep])  # max keeps the first on a tie
    return best if counts[best] else NO_SEPARATOR


def _parse_csv(body: str, separator: str) -> pl.DataFrame:
    """Parse as strings; a stray quote makes polars refuse the file, so then read quotes literally."""
    options = dict(
        has_header=False,
        separator=separator,
        infer_schema=False,
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )
    data = body.encode("utf-8")
    try:
        return pl.read_csv(data, quote_char='"', **options)
    except pl.exceptions.PolarsError:
        pass
    # Like a spreadsheet, keep the stray quote as text and unwrap the fields that are quoted.
    frame = pl.read_csv(data, quote_char=None, **options)
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(r'^\s*".*"\s*$'))
        .then(pl.col(c).str.strip_chars().str.slice(1).str.head(-1).str.replace_all('""', '"'))
        .otherwise(pl.col(c))
        for c in frame.columns
    )
