"""The bounds every uploaded list is read within, and the words used when a file exceeds one.

A file is refused as soon as one bound is passed, before the costly part of reading it, so a
hostile or careless upload (a zip bomb, a cell in the last column of a sheet, 100,000 columns)
costs at most a couple of seconds and a few hundred MB, never the process.
"""

from __future__ import annotations

from collections.abc import Callable

from core import words
from core.batches.rules import MAX_USERS_PER_BATCH

MAX_FILE_BYTES = 10 * 1024 * 1024  # the file as uploaded
# A workbook's parts once unpacked, each and in all (a 10 MB user list unpacks to far less).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 1_000  # an Excel workbook has a few dozen parts
# Rows with a value under the header. Twice the batch limit, so a list a little over the limit
# (or holding duplicates and errors) still gets its preview, which says what to remove.
MAX_ROWS = 2 * MAX_USERS_PER_BATCH
MAX_COLUMNS = 1_000
MAX_SHEET_CELLS = 500_000  # `<c>` and `<row>` elements of the sheet, filled or not
MAX_CELL_XML = 1024 * 1024  # one cell's XML; Excel's own limit is 32,767 characters of text
MAX_LINE_CHARS = 64 * 1024  # one line of a CSV file
SHOWN_NAMES = 5  # ignored column names listed before "and N more"


def names_text(
    names: tuple[str, ...] | list[str],
    shown: int = SHOWN_NAMES,
    show: Callable[[str], str] = str,
) -> str:
    """Join names for a caption, at most `shown` of them: 'A, B, C, D, E and 99,990 more'.

    `show` formats each name listed (e.g. escapes it for markdown); the rest are only counted.
    """
    names = [show(name) for name in names[:shown]] + list(names[shown:])
    if len(names) <= shown:
        if len(names) <= 2:
            return " and ".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]
    return f"{', '.join(names[:shown])} and {len(names) - shown:,} more"


def too_many_rows(name: str, seen: int) -> str:
    """Refusal for a file with more rows than any batch could take, with the rows counted."""
    return (
        f"The file “{name}” holds more than {MAX_ROWS:,} users (at least {seen:,} rows seen); "
        f"a batch holds at most {MAX_USERS_PER_BATCH:,} users. "
        f"Split the list into files of at most {MAX_USERS_PER_BATCH:,} users, then upload "
        "them one by one."
    )


def too_many_columns(name: str, where: str) -> str:
    """Refusal for a file wider than MAX_COLUMNS; `where` says what was found."""
    return (
        f"The file “{name}” has {where}; at most {MAX_COLUMNS:,} columns are read. Keep only the "
        f"columns {', '.join(words.TEMPLATE_COLUMNS)} (delete the others, or copy the list into "
        "a new file), then upload it again."
    )


def too_big_unpacked(name: str, size: int) -> str:
    """Refusal for a workbook whose parts unpack to more than MAX_UNPACKED_BYTES."""
    return (
        f"The workbook “{name}” unpacks to {size / 1024 / 1024:,.0f} MB or more; at most "
        f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB is read. A list of "
        f"{MAX_USERS_PER_BATCH:,} users is far smaller: copy only the list (columns "
        f"{', '.join(words.TEMPLATE_COLUMNS)}) into a new workbook or save it as CSV, then "
        "upload that file."
    )


def too_big_file(name: str, size: int) -> str:
    """Refusal for uploaded bytes over MAX_FILE_BYTES."""
    return (
        f"The file “{name}” is {size / 1024 / 1024:.1f} MB; the limit is "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB. A batch holds at most "
        f"{MAX_USERS_PER_BATCH:,} users: keep only the ID, Username or Registered email "
        "columns, or split the list into several files, then upload again."
    )


def too_big_on_disk(name: str, size: int) -> str:
    """Refusal for a file on disk over MAX_FILE_BYTES (the command line), before reading it."""
    return (
        f"The file “{name}” is {size / 1024 / 1024:.1f} MB; the limit is "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split the list into several files and "
        "upload them one by one."
    )


def too_many_cells(name: str) -> str:
    """Refusal for a sheet with more than MAX_SHEET_CELLS cells."""
    return (
        f"The sheet of “{name}” holds more than {MAX_SHEET_CELLS:,} cells; a list "
        "of users needs far fewer. Keep only the columns ID, Username and Registered email "
        "(copy them into a new workbook, or save the list as CSV), then upload that file."
    )


def cell_too_long(name: str) -> str:
    """Refusal for a workbook cell whose XML is over MAX_CELL_XML."""
    return (
        f"A cell of the workbook “{name}” holds more text than a cell can (Excel allows 32,767 "
        "characters). Save the list as CSV or copy it into a new workbook, then upload that file."
    )


def too_many_parts(name: str, entries: int) -> str:
    """Refusal for a ZIP archive listing more than MAX_ZIP_MEMBERS parts."""
    return (
        f"The file “{name}” is a ZIP archive of {entries:,} parts, not an Excel workbook. "
        "Save the list as CSV or as an Excel .xlsx workbook, then upload that file."
    )


def too_long_line(name: str, row: int) -> str:
    """Refusal for a CSV line over MAX_LINE_CHARS."""
    return (
        f"Line {row:,} of the file “{name}” is longer than {MAX_LINE_CHARS:,} "
        "characters, which no list of users needs. Check that the file is a list with one "
        "user per line (ID;Username;Registered email), then upload it again."
    )
