"""The bounds every uploaded list is read within, and the words used when a file exceeds one.

A file is refused as soon as one bound is passed, before the costly part of reading it, so a
hostile or careless upload (a zip bomb, a cell in the last column of a sheet, 100,000 columns)
costs at most a couple of seconds and a few hundred MB, never the process.
"""

from __future__ import annotations

from collections.abc import Callable

from core import words

MAX_FILE_BYTES = 10 * 1024 * 1024  # the file as uploaded
# A workbook's parts once unpacked, each and in all (a 10 MB user list unpacks to far less).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 1_000  # an Excel workbook has a few dozen parts
# Rows with a value under the header. Twice the batch limit, so a list a little over the limit
# (or holding duplicates and errors) still gets its preview, which says what to remove.
MAX_ROWS = 2 * words.MAX_USERS_PER_BATCH
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
        f"The file “{name}” holds more than {MAX_ROWS:,} users (at least {seen:,} rows seen); a batch holds at most {words.MAX_USERS_PER_BATCH:,} users. "
        f"Split the list into files of at most {words.MAX_USERS_PER_BATCH:,} users, then upload "
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
        f"{words.MAX_USERS_PER_BATCH:,} users is far smaller: copy only the list (columns "
        f"{', '.join(words.TEMPLATE_COLUMNS)}) into a new workbook or save it as CSV, then "
        "upload that file."
    )
