"""Reading an uploaded CSV: decoding it, finding its separator, parsing it, within bounds.

Text is decoded BOM first, then UTF-8, then Windows-1252. Before polars parses anything, a line
over 64 KB or a header of more than 1,000 fields is refused (polars makes a column per field:
100,001 of them took 19 s and 2.4 GB), and a file with more than 10,000 rows holding something
is refused after parsing only its first 10,002 such lines.
"""

from __future__ import annotations

import itertools
import re

import polars as pl

from core import words
from core.errors import InputError
from core.upload import limits

_SEPARATORS = (";", "\t", ",")  # on a tie the template's ";" wins
NO_SEPARATOR = "\x1f"  # a one-column file: split on a byte no text file contains
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what no text file holds


def empty_file(name: str) -> InputError:
    """The refusal for a file with nothing in it."""
    return InputError(
        f"The file “{name}” is empty. Download the template, put one user per row under its "
        f"header ({';'.join(words.TEMPLATE_COLUMNS)}), then upload it again."
    )


def not_a_list(name: str, why: str) -> InputError:
    """The refusal for a file that is neither CSV nor .xlsx, saying why."""
    return InputError(
        f"The file “{name}” is not a CSV file or an .xlsx workbook ({why}). Save the list as CSV "
        "(semicolon-separated, as the template) or as an Excel .xlsx workbook, then upload "
        "that file."
    )


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Return the text and the encoding it was read with (BOM first, then UTF-8, then cp1252)."""
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = _strict(data[3:], "utf-8", name), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        text, encoding = _strict(data[2:], codec, name), "utf-16"
    elif b"\x00" in data:
        codec = _utf16_without_bom(data)
        if codec is None:
            raise not_a_list(name, "it holds binary data")
        text, encoding = _strict(data, codec, name), codec
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            # Excel's "CSV" on Windows; cp1252 leaves five bytes undefined, latin-1 none.
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
    controls = len(text) - len(_CONTROLS.sub("", text))
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise not_a_list(name, "it holds binary data")
    return text, encoding


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise not_a_list(name, f"it starts like {codec.upper()} text but is not") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """Recognise UTF-16 text saved without a byte-order mark (every other byte is zero)."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_zeros = sample[0::2].count(0) / len(sample[0::2])
    odd_zeros = sample[1::2].count(0) / len(sample[1::2])
    if odd_zeros > 0.3 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.3 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def read_cells(text: str, name: str) -> tuple[pl.DataFrame, str, int]:
    """Parse decoded text into raw string cells (first row = header), within the bounds.

    Returns the cells, the separator and the row number of the header (blank lines above it
    count, as a spreadsheet shows them).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Anchored at line starts, so each line is scanned once (unanchored it is quadratic).
    long_line = re.search(rf"(?m)^[^\n]{{{limits.MAX_LINE_CHARS + 1}}}", text)
    if long_line is not None:
        row = text.count("\n", 0, long_line.start()) + 1
        raise InputError(
            f"Line {row:,} of the file “{name}” is longer than {limits.MAX_LINE_CHARS:,} "
            "characters, which no list of users needs. Check that the file is a list with one "
            "user per line (ID;Username;Registered email), then upload it again."
        )
    lead = re.match(r"(?:[^\S\n]*\n)*", text)  # blank lines above the header
    blank_above, body = lead.group(0).count("\n"), text[lead.end() :]
    if not body.strip():
        raise empty_file(name)
    separator = detect_separator(body.partition("\n")[0])
    _check_width(name, body, separator)
    cells = _parse_csv(_first_rows(name, body, separator), separator)
    if cells.width > limits.MAX_COLUMNS:  # a header record spanning lines, counted by polars
        raise InputError(limits.too_many_columns(name, f"{cells.width:,} columns"))
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
        raise InputError(limits.too_many_rows(name, seen))
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
        raise InputError(limits.too_many_columns(name, f"{fields + 1:,} columns in its header"))


def detect_separator(header_line: str) -> str:
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
