"""Reading an uploaded user list (CSV in any common encoding, or .xlsx) into the template columns.

The result (core.upload.user_list.Upload) has one row per non-blank line, numbered as a
spreadsheet shows it (the header is row 1), with the ID, Username and Registered email values as
trimmed strings (None when empty). Every value stays a string: "007", "1e3" or "=1+1" are read
exactly as typed, never interpreted.

Whatever its shape, a file is refused or read within the bounds of core.upload.limits (a few
hundred MB and a couple of seconds at worst): CSV through core.upload.csv_reader, .xlsx through
core.upload.xlsx_reader, which reads the sheet's XML itself instead of building its grid.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError, OverLimit
from core.upload import limits
from core.upload.csv_reader import read_csv
from core.upload.refusals import old_excel
from core.upload.user_list import Upload
from core.upload.xlsx_reader import read_xlsx

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls (and other old Office files)


def read_upload(data: bytes, filename: str = "upload.csv") -> Upload:
    """Read an uploaded file's bytes; raise InputError saying what is wrong and how to fix it."""
    name = Path(filename or "upload.csv").name
    if len(data) > limits.MAX_FILE_BYTES:
        raise OverLimit(limits.too_big_file(name, len(data)))
    if data.startswith(_ZIP_MAGIC):
        return read_xlsx(data, name)
    if data.startswith(_OLE_MAGIC):
        raise old_excel(name)
    return read_csv(data, name)


def read_upload_file(path: str | Path) -> Upload:
    """Read an upload from a file on disk (for the command line)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"There is no file at {path}. Check the path and try again.")
    if path.stat().st_size > limits.MAX_FILE_BYTES:
        # Checked before reading, so a huge file is refused without loading it.
        raise OverLimit(limits.too_big_on_disk(path.name, path.stat().st_size))
    return read_upload(path.read_bytes(), path.name)
