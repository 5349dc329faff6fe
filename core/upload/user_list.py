"""An uploaded list read into the template columns (`Upload`), and one built from typed values."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.csv_safe import unneutralise
from core.errors import OverLimit
from core.upload import limits
from core.upload.columns import EMAIL, FIELDS, ID, USERNAME
from core.upload.refusals import no_users


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
    separator: str = ";"  # "" for a one-column CSV file and for a workbook

    @property
    def n_rows(self) -> int:
        """Return how many non-blank rows the file has."""
        return self.rows.height


def cell_value(expr: pl.Expr) -> pl.Expr:
    """A cell as read: trimmed, our export's apostrophe before a formula undone, None when empty."""
    return unneutralise(expr.str.strip_chars()).str.strip_chars().replace("", None)


def make_upload(
    name: str,
    rows: pl.DataFrame,
    found: dict[str, int],
    ignored: list[str],
    file_type: str,
    encoding: str,
    separator: str,
) -> Upload:
    """The Upload of a file's rows (row and the FIELDS), or raise InputError if empty or too long."""
    if rows.height == 0:
        raise no_users(name)
    if rows.height > limits.MAX_ROWS:
        raise OverLimit(limits.too_many_rows(name, rows.height))
    return Upload(
        filename=name,
        rows=rows,
        columns=tuple(code for code in FIELDS if code in found),
        ignored_columns=tuple(ignored),
        file_type=file_type,
        encoding=encoding,
        separator=separator,
    )


def from_values(
    ids: list[str | None] | None = None,
    usernames: list[str | None] | None = None,
    emails: list[str | None] | None = None,
    filename: str = "values",
) -> Upload:
    """Build an Upload from lists of values (rows numbered from 2), e.g. for single adds."""
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
