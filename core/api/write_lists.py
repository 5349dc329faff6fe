"""The users an API write names (issue 17): JSON rows, a CSV (or .xlsx) body, base64 files, each
read into the same `Upload` the upload dialog makes, within the same bounds."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import polars as pl

from core.errors import InputError, OverLimit
from core.upload import limits
from core.upload.intake import read_upload
from core.upload.user_list import Upload, from_values

ROW_KEYS = ("id", "username", "email")  # a JSON row's fields: the template's three columns
ROWS_NAME = "request body"  # what a JSON list of rows is called in messages and the audit
CSV_NAME = "upload.csv"  # a CSV body without ?filename=


def rows_upload(rows: Sequence[Mapping[str, Any]], filename: str = ROWS_NAME) -> Upload:
    """Turn a JSON list of {"id"|"username"|"email"} rows into an Upload, numbered from 1.

    A row with several fields is checked as the template's columns are (a mismatch is reported).
    """
    if not rows:
        raise InputError('The list of users is empty: give at least one {"id": …} row.')
    if len(rows) > limits.MAX_ROWS:
        raise OverLimit(limits.too_many_rows(filename, len(rows)))
    columns: dict[str, list[str | None]] = {key: [] for key in ROW_KEYS}
    for number, row in enumerate(rows, start=1):
        for key, value in _row_values(number, row).items():
            columns[key].append(value)
    upload = from_values(
        ids=columns["id"],
        usernames=columns["username"],
        emails=columns["email"],
        filename=filename,
    )
    # from_values numbers rows as a spreadsheet does (the header is row 1); a JSON row's
    # number is its place in the list, so a script finds it without counting a header.
    return replace(
        upload,
        rows=upload.rows.with_columns(pl.col("row") - 1),
        columns=tuple(key for key in ROW_KEYS if any(v is not None for v in columns[key])),
    )


def _row_values(number: int, row: Mapping[str, Any]) -> dict[str, str | None]:
    """One row's id, username and email as the upload's strings; refuse a row naming nobody."""
    if not isinstance(row, Mapping):
        raise InputError(f'Row {number} is not an object: write it as {{"id": 42}}.')
    unknown = sorted(set(row) - set(ROW_KEYS))
    if unknown:
        raise InputError(
            f"Row {number} has the field “{unknown[0]}”; a row takes only id, username and email."
        )
    values: dict[str, str | None] = {}
    for key in ROW_KEYS:
        value = row.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int | type(None)):
            raise InputError(f"Row {number}: {key} must be text (or a whole number for id).")
        if isinstance(value, int) and key != "id":
            raise InputError(f"Row {number}: {key} must be text.")
        values[key] = None if value is None else str(value)
    if all(v is None or not v.strip() for v in values.values()):
        raise InputError(f"Row {number} names nobody: give its id, username or email.")
    return values


def csv_upload(data: bytes, filename: str | None = None) -> Upload:
    """Read a CSV (or .xlsx) body as the upload dialog reads a file, within the same bounds."""
    name = filename or CSV_NAME
    if len(data) > limits.MAX_FILE_BYTES:
        raise OverLimit(limits.too_big_file(name, len(data)))
    return read_upload(data, name)


def file_uploads(files: Sequence[Mapping[str, str]]) -> list[Upload]:
    """Read a fill request's files ({"filename", "content_base64"}) as the upload dialog would."""
    uploads = []
    for number, file in enumerate(files, start=1):
        name = str(file.get("filename") or f"file {number}")
        try:
            data = base64.b64decode(str(file.get("content_base64", "")), validate=True)
        except (binascii.Error, ValueError):  # ValueError: text that is not even ASCII
            raise InputError(
                f"The content of “{name}” is not base64: send the file's bytes base64-encoded."
            ) from None
        uploads.append(csv_upload(data, name))
    return uploads
