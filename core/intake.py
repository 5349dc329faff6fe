"""Reading an uploaded user list (CSV in any common encoding, or .xlsx) into the template columns.

The result has one row per non-blank line, numbered as a spreadsheet shows it (the header is
row 1), with the ID, Username and Registered email values as trimmed strings (None when empty).
Every value stays a string: "007", "1e3" or "=1+1" are read exactly as typed, never interpreted.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from core import labels
from core.csv_safe import unneutralise
from core.errors import InputError

MAX_FILE_BYTES = 10 * 1024 * 1024

# Field codes used in frames and in code; the spec's column names are in labels.TEMPLATE_COLUMNS.
ID, USERNAME, EMAIL = "id", "username", "email"
FIELDS = (ID, USERNAME, EMAIL)
FIELD_LABELS = {ID: labels.COL_ID, USERNAME: labels.COL_USERNAME, EMAIL: labels.COL_EMAIL}

# Header names accepted for each field, compared after _header_key (case, spaces, - _ . removed).
SYNONYMS = {
    ID: ("ID", "User ID", "Id"),
    USERNAME: ("Username", "User name", "Login"),
    EMAIL: ("Registered email", "Email", "E-mail"),
}
# The "Reason" column of our own error-rows download: ignored without being reported, so that
# file can be fixed and uploaded again as it is.
REASON_COLUMN = "Reason"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls (and other old Office files)
_SEPARATORS = (";", "\t", ",")  # on a tie the template's ";" wins
_NO_SEPARATOR = "\x1f"  # a one-column file: split on a byte no text file contains


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-_.]+", "", name.strip().strip('"').lower())


_FIELD_BY_HEADER = {_header_key(name): code for code, names in SYNONYMS.items() for name in names}


def accepted_columns_text() -> str:
    """Describe the accepted column names, for messages: 'ID (or User ID), Username (or …)'."""
    parts = []
    for code in FIELDS:
        others = [n for n in SYNONYMS[code] if n != FIELD_LABELS[code] and n.lower() != "id"]
        parts.append(
            f"{FIELD_LABELS[code]} (or {', '.join(others)})" if others else FIELD_LABELS[code]
        )
    return "; ".join(parts)


@dataclass(frozen=True)
class Upload:
    """An uploaded list read into the template columns.

    `rows` has the columns row (Int64, the spreadsheet row number), id, username, email (String,
    trimmed, None when empty) and holds only non-blank rows.
    """

    filename: str
    rows: pl.DataFrame
    columns: tuple[str, ...]  # the fields the file has, in FIELDS order
    ignored_columns: tuple[str, ...] = ()
    file_type: str = "csv"  # "csv" or "xlsx"
    encoding: str = "utf-8"
    separator: str = ";"

    @property
    def n_rows(self) -> int:
        """Return how many non-blank rows the file has."""
        return self.rows.height


def read_upload(data: bytes, filename: str = "upload.csv") -> Upload:
    """Read an uploaded file's bytes; raise InputError saying what is wrong and how to fix it."""
    name = Path(filename or "upload.csv").name
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"The file “{name}” is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. A batch holds at most "
            f"{labels.MAX_USERS_PER_BATCH:,} users: keep only the ID, Username or Registered email "
            "columns, or split the list into several files, then upload again."
        )
    if data.startswith(_ZIP_MAGIC):
        return _from_cells(name, _read_xlsx(data, name), "xlsx", "", "")
    if data.startswith(_OLE_MAGIC):
        raise InputError(
            f"The file “{name}” is an old Excel 97-2003 (.xls) workbook, which cannot be read. "
            "In Excel, use Save As and choose “Excel Workbook (.xlsx)” or “CSV UTF-8”, then "
            "upload that file."
        )
    text, encoding = _decode(data, name)
    return _read_text(text, name, encoding)


def read_upload_file(path: str | Path) -> Upload:
    """Read an upload from a file on disk (for the command line)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"There is no file at {path}. Check the path and try again.")
    if path.stat().st_size > MAX_FILE_BYTES:
        # Checked before reading, so a huge file is refused without loading it.
        raise InputError(
            f"The file “{path.name}” is {path.stat().st_size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split the list into several files and "
            "upload them one by one."
        )
    return read_upload(path.read_bytes(), path.name)


# --- decoding -------------------------------------------------------------------------------


def _not_a_list(name: str, why: str) -> InputError:
    return InputError(
        f"The file “{name}” is not a CSV file or an .xlsx workbook ({why}). Save the list as CSV "
        "(semicolon-separated, as the template) or as an Excel .xlsx workbook, then upload "
        "that file."
    )


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Return the text and the encoding it was read with (BOM first, then UTF-8, then cp1252)."""
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = _strict(data[3:], "utf-8", name), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        text, encoding = _strict(data[2:], codec, name), "utf-16"
    elif b"\x00" in data:
        codec = _utf16_without_bom(data)
        if codec is None:
            raise _not_a_list(name, "it holds binary data")
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
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\x7f")
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise _not_a_list(name, "it holds binary data")
    return text, encoding


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise _not_a_list(name, f"it starts like {codec.upper()} text but is not") from None


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


# --- CSV ------------------------------------------------------------------------------------


def _read_text(text: str, name: str, encoding: str) -> Upload:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    blank_above = 0
    while blank_above < len(lines) and not lines[blank_above].strip():
        blank_above += 1
    if blank_above == len(lines):
        raise _empty(name)
    body = "\n".join(lines[blank_above:])
    separator = detect_separator(lines[blank_above])
    cells = _parse_csv(body, separator)
    upload = _from_cells(name, cells, "csv", encoding, separator, first_row=blank_above + 1)
    return upload


def detect_separator(header_line: str) -> str:
    """Pick the separator (; tab ,) that occurs most often in the header, outside quotes."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {sep: outside.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda sep: counts[sep])  # max keeps the first on a tie
    return best if counts[best] else _NO_SEPARATOR


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


# --- xlsx -----------------------------------------------------------------------------------


def _read_xlsx(data: bytes, name: str) -> pl.DataFrame:
    try:
        frame = pl.read_excel(
            io.BytesIO(data),
            sheet_id=1,
            has_header=False,
            infer_schema_length=0,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except Exception:  # fastexcel raises its own exception types
        raise _not_a_list(name, "it is a ZIP archive, not a readable .xlsx workbook") from None
    if isinstance(frame, dict):  # only with several sheets; sheet_id=1 asks for one
        frame = next(iter(frame.values()))
    return frame.with_columns(pl.all().cast(pl.String))


# --- shared ---------------------------------------------------------------------------------


def _empty(name: str) -> InputError:
    return InputError(
        f"The file “{name}” is empty. Download the template, put one user per row under its "
        f"header ({';'.join(labels.TEMPLATE_COLUMNS)}), then upload it again."
    )


def _from_cells(
    name: str,
    cells: pl.DataFrame,
    file_type: str,
    encoding: str,
    separator: str,
    first_row: int = 1,
) -> Upload:
    """Turn a frame of raw cells (first row = header) into an Upload."""
    if cells.height == 0 or cells.width == 0:
        raise _empty(name)
    cells = cells.select(pl.col(c).cast(pl.String) for c in cells.columns)
    header = [(v or "").strip().lstrip("\ufeff") for v in cells.row(0)]
    if not any(header):
        raise _empty(name)
    found: dict[str, str] = {}
    ignored: list[str] = []
    data = cells.slice(1)
    for position, (column, title) in enumerate(zip(cells.columns, header, strict=True), start=1):
        code = _FIELD_BY_HEADER.get(_header_key(title))
        if code is not None and code not in found:
            found[code] = column
        elif _header_key(title) == _header_key(REASON_COLUMN):
            continue
        elif title:
            ignored.append(title)
        elif data.get_column(column).drop_nulls().str.strip_chars().ne("").any():
            ignored.append(f"column {position} (no header)")
    if not found:
        shown = ", ".join(f"“{t}”" for t in header if t) or "none"
        raise InputError(
            f"The file “{name}” has no column Batch Unlock recognises (its header has: {shown}). "
            f"Name at least one column {accepted_columns_text()} — or start from the template — "
            "then upload it again."
        )
    trimmed = [
        unneutralise(pl.col(c).str.strip_chars()).str.strip_chars().replace("", None).alias(c)
        for c in cells.columns
    ]
    data = data.with_columns(trimmed).with_columns(
        pl.int_range(first_row + 1, first_row + 1 + pl.len(), dtype=pl.Int64).alias("row")
    )
    # A row is blank when every cell is empty, the ignored columns included.
    blank = pl.all_horizontal(pl.col(c).is_null() for c in cells.columns)
    data = data.filter(~blank)
    if data.height == 0:
        raise InputError(
            f"The file “{name}” has a header but no users under it. Put one user per row under "
            "the header, then upload it again."
        )
    rows = data.select(
        pl.col("row"),
        *(
            (pl.col(found[code]) if code in found else pl.lit(None, pl.String)).alias(code)
            for code in FIELDS
        ),
    )
    return Upload(
        filename=name,
        rows=rows,
        columns=tuple(code for code in FIELDS if code in found),
        ignored_columns=tuple(ignored),
        file_type=file_type,
        encoding=encoding,
        separator=separator if separator != _NO_SEPARATOR else "",
    )


def from_values(
    ids: list[str | None] | None = None,
    usernames: list[str | None] | None = None,
    emails: list[str | None] | None = None,
    filename: str = "values",
) -> Upload:
    """Build an Upload from lists of values (rows numbered from 2), e.g. for single adds and tests."""
    n = max(len(v) for v in (ids or [], usernames or [], emails or []))
    columns = {ID: ids, USERNAME: usernames, EMAIL: emails}
    rows = pl.DataFrame(
        {
            "row": pl.Series(range(2, n + 2), dtype=pl.Int64),
            **{
                code: pl.Series(values if values is not None else [None] * n, dtype=pl.String)
                for code, values in columns.items()
            },
        }
    ).with_columns(pl.col(c).str.strip_chars().replace("", None) for c in FIELDS)
    return Upload(
        filename=filename,
        rows=rows,
        columns=tuple(code for code in FIELDS if columns[code] is not None),
    )
