"""Regenerate the upload samples in this folder: `python tests/data/make_files.py`.

The files are committed; this script documents how each was made (and makes the .xlsx, which
cannot be written by hand). The users they name exist in the tests' `batch_world` fixture.
"""

from __future__ import annotations

import random
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent


def main() -> None:
    """Write every sample file."""
    # Excel's "Unicode text": UTF-16 little-endian with a BOM, tab-separated, CRLF.
    (HERE / "utf16_excel_unicode_text.txt").write_bytes(
        "ID\tUsername\tRegistered email\r\n1\t\t\r\n\tRenée\t\r\n\t\tuser3@example.com\r\n".encode(
            "utf-16"
        )
    )
    # Windows "CSV (semicolon)" from an older Excel: Windows-1252, accents as single bytes.
    (HERE / "windows1252.csv").write_bytes(
        "ID;Username;Registered email\r\n;Renée;\r\n;JÜRGEN;\r\n2;;\r\n".encode("cp1252")
    )
    # Old Mac line endings: CR only.
    (HERE / "cr_only.csv").write_bytes(b"ID,Username\r1,\r,user2\r\r3,\r")
    # A stray quote in the middle of a field (polars alone refuses the whole file).
    (HERE / "stray_quote.csv").write_bytes(b'ID;Username\n1;\n;jo"hn\n;"user2"\n4;\n')
    # 5,001 distinct users by ID: one more than a batch may hold.
    (HERE / "users_5001.csv").write_text(
        "ID\n" + "".join(f"{i}\n" for i in range(1, 5002)), encoding="utf-8"
    )
    # Not a list at all.
    (HERE / "garbage.bin").write_bytes(random.Random(3).randbytes(2048))
    _workbook(HERE / "users.xlsx")


def _workbook(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Users")
    sheet.write_row(0, 0, ["User ID", "Login", "E-mail", "Team"])
    sheet.write_number(1, 0, 1)  # a number cell: read as "1", not "1.0"
    sheet.write_row(1, 3, ["Red"])
    sheet.write_string(2, 1, "user2")
    # Row 4 is left empty: skipped, but the next row is still numbered 5 as in Excel.
    sheet.write_string(4, 2, "USER4@example.com")
    sheet.write_string(5, 0, "007")  # text cell: leading zeros kept, still user 7
    sheet.write_string(6, 1, '=HYPERLINK("http://x")')  # formula-looking text stays text
    other = book.add_worksheet("Notes")
    other.write_row(0, 0, ["ID"])
    other.write_row(1, 0, [9])  # never read: only the first sheet counts
    book.close()


if __name__ == "__main__":
    main()
