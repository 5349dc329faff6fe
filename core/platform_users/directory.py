"""Importing platform users (the people badges are unlocked for): all or nothing, row by row reasons."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from core import audit
from core.access.roles import Account, Permission, require
from core.audit import Action
from core.errors import InputError
from core.platform_users import ids
from core.platform_users.names import normalise
from core.store.ports import UnitOfWork

REQUIRED = ("id", "username", "email")
# Optional moments (issue 16): a column left out, or an empty cell, keeps what the store has.
DATE_COLUMNS = ("registered_at", "last_active_at")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")
_D2 = f"{ids.DIGITS}{{2}}"
_DAY = rf"{ids.DIGITS}{{4}}-{_D2}-{_D2}"
# A moment as `_moment` rewrites it before parsing: date, T, time with seconds, an offset.
_FULL = rf"^{_DAY}T{_D2}:{_D2}:{_D2}(\.{ids.DIGITS}{{1,9}})?[+-]{_D2}:?{_D2}$"
_UTC = pl.Datetime("us", "UTC")


@dataclass
class ImportReport:
    """What `import_users` did: counts, and each rejected row with its reason."""

    added: int = 0
    updated: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the report as plain data (for --json)."""
        return {"added": self.added, "updated": self.updated, "rejected": self.rejected}


def import_users(uow: UnitOfWork, actor: Account, frame: pl.DataFrame) -> ImportReport:
    """Insert or update users by id, all or nothing; rows that break a rule are rejected."""
    require(actor, Permission.MANAGE_CATALOG)
    rows = _judged(frame)
    candidates = rows.filter(pl.col("reason").is_null()).with_columns(
        pl.col("id_text").cast(pl.Int64).alias("id"),
        pl.col("active_text").is_in(list(_FALSE)).fill_null(False).not_().alias("active"),
    )
    rejected = rows.filter(pl.col("reason").is_not_null()).select("row", "reason")

    def write(u: UnitOfWork) -> ImportReport:
        # Usernames and emails must stay unique across all platform users.
        clashes = u.users.clashes(candidates).select(
            "row",
            pl.when(pl.col("username_taken"))
            .then(pl.lit("username already used by another user"))
            .otherwise(pl.lit("email already used by another user"))
            .alias("reason"),
        )
        accepted = candidates.join(clashes, on="row", how="anti")
        updated = u.users.upsert(accepted)
        report = ImportReport(
            added=accepted.height - updated,
            updated=updated,
            rejected=pl.concat([rejected, clashes]).sort("row").to_dicts(),
        )
        audit.record(
            u,
            actor,
            Action.USERS_IMPORTED,
            detail=f"added {report.added}, updated {report.updated}, rejected {len(report.rejected)}",
        )
        return report

    return uow.transaction(write)


def _judged(frame: pl.DataFrame) -> pl.DataFrame:
    """The file's rows as trimmed text with their normal forms and the first rule each breaks.

    `registered_at` and `last_active_at` come out as UTC moments, null where the file has none
    (so the stored value is kept); `*_text` keeps what the file said, for the reasons.
    """
    columns = {c.strip().lower(): c for c in frame.columns}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(
            f"The file lacks the column(s) {', '.join(missing)}. It needs id, username and email "
            "(and optionally active, registered_at and last_active_at)."
        )

    def text(name: str, lower: bool = False) -> pl.Expr:
        if name not in columns:
            return pl.lit(None, pl.String)
        value = pl.col(columns[name]).cast(pl.String).str.strip_chars()
        return value.str.to_lowercase() if lower else value

    rows = frame.select(
        pl.int_range(2, pl.len() + 2).alias("row"),  # as a spreadsheet numbers them
        text("id").alias("id_text"),
        text("username").alias("username"),
        text("email").alias("email"),
        text("active", lower=True).alias("active_text"),
        *(text(name).alias(f"{name}_text") for name in DATE_COLUMNS),
    ).with_columns(
        normalise(pl.col("username")).alias("username_norm"),
        normalise(pl.col("email")).alias("email_norm"),
        *(_moment(pl.col(f"{name}_text")).alias(name) for name in DATE_COLUMNS),
    )
    reason = (
        pl.when(pl.col("id_text").is_null() | (pl.col("id_text") == ""))
        .then(pl.lit("missing id"))
        .when(~ids.id_expr(pl.col("id_text")))
        .then(pl.lit("id is not a whole number"))
        .when(pl.col("username").is_null() | (pl.col("username") == ""))
        .then(pl.lit("missing username"))
        .when(pl.col("email").is_null() | ~pl.col("email").str.contains(r"^[^@\s]+@[^@\s]+$"))
        .then(pl.lit("missing or invalid email"))
        .when(
            pl.col("active_text").is_not_null()
            & ~pl.col("active_text").is_in([*_TRUE, *_FALSE, ""])
        )
        .then(pl.lit("active must be true or false"))
    )
    for name in DATE_COLUMNS:
        given = pl.col(f"{name}_text").is_not_null() & (pl.col(f"{name}_text") != "")
        reason = reason.when(given & pl.col(name).is_null()).then(
            pl.lit(f"{name} must be a date (YYYY-MM-DD) or an ISO date-time")
        )
    reason = (
        reason.when(pl.col("last_active_at") < pl.col("registered_at"))
        .then(pl.lit("last_active_at is before registered_at"))
        .when(pl.col("id_text").is_duplicated())
        .then(pl.lit("duplicate id in the file"))
        .when(pl.col("username_norm").is_duplicated())
        .then(pl.lit("duplicate username in the file"))
        .when(pl.col("email_norm").is_duplicated())
        .then(pl.lit("duplicate email in the file"))
    )
    return rows.with_columns(reason.alias("reason")).drop([f"{name}_text" for name in DATE_COLUMNS])


def _moment(value: pl.Expr) -> pl.Expr:
    """An ISO date or date-time as a UTC moment; null if empty or not one.

    A day is its midnight in UTC, a time without an offset is UTC; a space may stand for the T
    and Z for +00:00 (as spreadsheets and Parquet's text write them).
    """
    day_only = rf"^({_DAY})$"
    written = (
        value.str.to_uppercase()
        .str.replace(day_only, "${1}T00:00:00")
        .str.replace(rf"^({_DAY}) ", "${1}T")
        .str.replace(rf"^({_DAY}T{_D2}:{_D2})($|[+\-Z])", "${1}:00${2}")
        .str.replace(r"Z$", "+00:00")
    )
    written = (
        pl.when(written.str.contains(rf"T.*[+-]{_D2}:?{_D2}$"))
        .then(written)
        .otherwise(written + pl.lit("+00:00"))
    )
    # Checked whole first: the parser alone would take one-digit months and other digits.
    return (
        pl.when(written.str.contains(_FULL))
        .then(written)
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us", time_zone="UTC")
        .cast(_UTC)
    )
