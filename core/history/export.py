"""The batch list as a CSV file for spreadsheets: every filtered row, in the list's order."""

from __future__ import annotations

import polars as pl

from core import csv_safe, words
from core.access.roles import Account
from core.history.listing import all_batches
from core.history.view import BatchFilter
from core.store.ports import UnitOfWork

_STAMP = "%Y-%m-%d %H:%M:%S%:z"  # with the offset, so a file read elsewhere keeps the instant


def export_batches(
    uow: UnitOfWork,
    viewer: Account,
    flt: BatchFilter,
    tz: str,
    separator: str = words.TEMPLATE_SEPARATOR,
) -> bytes:
    """Return the whole filtered list as CSV bytes for spreadsheets, formulas neutralised.

    Times are written in tz with their offset; the separator is the template's (;) by default.
    The status is the list's word ("In Progress · Paused") without the percentage, which has a
    column of its own (a spreadsheet then filters on the status alone).
    """
    rows = all_batches(uow, viewer, flt, tz)
    table = rows.select(
        pl.col("id").alias("ID"),
        pl.col("name").alias(words.TITLE),
        pl.col("badge").alias(words.BADGE),
        pl.col("quest").alias(words.QUEST),
        pl.col("users").alias(words.USERS),
        pl.col("created_at").dt.strftime(_STAMP).alias(words.CREATED_AT),
        pl.col("updated_at").dt.strftime(_STAMP).alias(words.LAST_UPDATED),
        pl.col("created_by").alias(words.CREATED_BY),
        pl.col("status_label").alias(words.STATUS),
        pl.col("progress").alias("Progress (%)"),
        pl.col("n_unpublished").alias(words.UNPUBLISHED),
        pl.col("n_in_progress").alias(words.IN_PROGRESS),
        pl.col("n_published").alias(words.PUBLISHED),
        pl.col("n_error").alias(words.ERROR),
        pl.col("n_revoking").alias(words.REVOKING),
        pl.col("n_revoked").alias(words.REVOKED),
    )
    return csv_safe.to_csv_bytes(table, separator, bom=True)  # Excel then reads UTF-8 right
