"""Reading an uploaded user list (CSV in any common encoding, or .xlsx) into the template columns.

The result has one row per non-blank line, numbered as a spreadsheet shows it (the header is
row 1), with the ID, Username and Registered email values as trimmed strings (None when empty).
Every value stays a string: "007", "1e3" or "=1+1" are read exactly as typed, never interpreted.

Whatever its shape, a file is refused or read within the bounds of core.upload.limits (a few
hundred MB and a couple of seconds at worst): CSV through core.upload.csv_reader, .xlsx through
core.upload.xlsx_reader, which reads the sheet's XML itself instead of building its grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from core import words
from core.csv_safe import unneutralise
from core.errors import InputError
from core.upload import limits
from core.upload.csv_reader import NO_SEPARATOR, decode, empty_file, read_cells
from core.upload.xlsx_reader import Sheet, read_first_sheet

MAX_FILE_BYTES = limits.MAX_FILE_BYTES

# Field codes used in frames and in code; the spec's column names are in labels.TEMPLATE_COLUMNS.
ID, USERNAME, EMAIL = "id", "username", "email"
FIELDS = (ID, USERNAME, EMAIL)
FIELD_LABELS = {ID: words.COL_ID, USERNAME: words.COL_USERNAME, EMAIL: words.COL_EMAIL}

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

    @property
    def ignored_columns_text(self) -> str:
        """Name a handful of the ignored columns: 'A, B, C, D, E and 995 more'."""
        return limits.names_text(self.ignored_columns)


def read_upload(data: bytes, filename: str = "upload.csv") -> Upload:
    """Read an uploaded file's bytes; raise InputError saying what is wrong and how to fix it."""
    name = Path(filename or "upload.csv").name
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"The file “{name}” is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. A batch holds at most "
            f"{words.MAX_USERS_PER_BATCH:,} users: keep only the ID, Username or Registered email "
            "columns, or split the list into several files, then upload again."
        )
    if data.startswith(_ZIP_MAGIC):
        return _from_sheet(name, read_first_sheet(data, name))
    if data.startswith(_OLE_MAGIC):
        raise InputError(
            f"The file “{name}” is an old Excel 97-2003 (.xls) workbook, which cannot be read. "
            "In Excel, use Save As and choose “Excel Workbook (.xlsx)” or “CSV UTF-8”, then "
            "upload that file."
        )
    text, encoding = decode(data, name)
    cells, separator, first_row = read_cells(text, name)
    return _from_cells(name, cells, "csv", encoding, separator, first_row=first_row)


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


# --- shared ---------------------------------------------------------------------------------


def _trimmed(expr: pl.Expr) -> pl.Expr:
    return unneutralise(expr.str.strip_chars()).str.strip_chars().replace("", None)


def _pick_columns(
    name: str, header: list[str], filled: set[int]
) -> tuple[dict[str, int], list[str]]:
    """Map fields to header positions (0-based); name the other columns (headerless if filled)."""
    found: dict[str, int] = {}
    ignored: list[str] = []
    for position, title in enumerate(header):
        code = _FIELD_BY_HEADER.get(_header_key(title))
        if code is not None and code not in found:
            found[code] = position
        elif _header_key(title) == _header_key(REASON_COLUMN):
            continue
        elif title:
            ignored.append(title)
        elif position in filled:
            ignored.append(f"column {position + 1} (no header)")
    if not found:
        titles = [t for t in header if t]
        shown = limits.names_text([f"“{t}”" for t in titles]).replace(" and ", ", ", 1)
        if len(titles) <= limits.SHOWN_NAMES:
            shown = ", ".join(f"“{t}”" for t in titles)
        raise InputError(
            f"The file “{name}” has no column Batch Unlock recognises (its header has: "
            f"{shown or 'none'}). Name at least one column {accepted_columns_text()} — or start "
            "from the template — then upload it again."
        )
    return found, ignored


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
        .with_columns(_trimmed(pl.col(c)) for c in cells.columns)
        .filter(~pl.all_horizontal(pl.col(c).is_null() for c in cells.columns))
    )
    filled = {
        i
        for i, c in enumerate(cells.columns)
        if not header[i] and data[c].null_count() < data.height
    }
    found, ignored = _pick_columns(name, header, filled)
    rows = data.select(
        pl.col("row"),
        *(
            (
                pl.col(cells.columns[found[code]]) if code in found else pl.lit(None, pl.String)
            ).alias(code)
            for code in FIELDS
        ),
    )
    return _upload(name, rows, found, ignored, file_type, encoding, separator)


def _from_sheet(name: str, sheet: Sheet) -> Upload:
    """Turn a sheet's filled cells (row, col, value) into an Upload; the header is the first row."""
    cells = sheet.cells.with_columns(_trimmed(pl.col("value")).alias("value")).drop_nulls("value")
    if cells.height == 0:
        raise empty_file(name)
    header_row = int(cells["row"].min())
    titles = dict(cells.filter(pl.col("row") == header_row).select("col", "value").iter_rows())
    data = cells.filter(pl.col("row") > header_row)
    filled = {c - 1 for c in data["col"].unique().to_list() if not titles.get(c)}
    width = max([*titles, *(c + 1 for c in filled)])
    header = [(titles.get(col) or "").lstrip("\ufeff").strip() for col in range(1, width + 1)]
    found, ignored = _pick_columns(name, header, filled)
    rows = data.select("row").unique().sort("row")
    for code, position in found.items():
        column = data.filter(pl.col("col") == position + 1).unique("row", keep="first")
        rows = rows.join(column.select("row", pl.col("value").alias(code)), on="row", how="left")
    rows = rows.select(
        "row", *(pl.col(c) if c in found else pl.lit(None, pl.String).alias(c) for c in FIELDS)
    )
    return _upload(name, rows, found, ignored, "xlsx", "", "")


def _upload(
    name: str,
    rows: pl.DataFrame,
    found: dict[str, int],
    ignored: list[str],
    file_type: str,
    encoding: str,
    separator: str,
) -> Upload:
    if rows.height == 0:
        raise InputError(
            f"The file “{name}” has a header but no users under it. Put one user per row under "
            "the header, then upload it again."
        )
    if rows.height > limits.MAX_ROWS:
        raise InputError(limits.too_many_rows(name, rows.height))
    return Upload(
        filename=name,
        rows=rows,
        columns=tuple(code for code in FIELDS if code in found),
        ignored_columns=tuple(ignored),
        file_type=file_type,
        encoding=encoding,
        separator=separator if separator != NO_SEPARATOR else "",
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
