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
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


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
    """The file's rows as trimmed text with their normal forms and the first rule each breaks."""
    columns = {c.strip().lower(): c for c in frame.columns}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(
            f"The file lacks the column(s) {', '.join(missing)}. It needs id, username and email "
            "(and optionally active)."
        )
    active = (
        pl.col(columns["active"]).cast(pl.String).str.strip_chars().str.to_lowercase()
        if "active" in columns
        else pl.lit(None, pl.String)
    )
    rows = frame.select(
        pl.int_range(2, pl.len() + 2).alias("row"),  # as a spreadsheet numbers them
        pl.col(columns["id"]).cast(pl.String).str.strip_chars().alias("id_text"),
        pl.col(columns["username"]).cast(pl.String).str.strip_chars().alias("username"),
        pl.col(columns["email"]).cast(pl.String).str.strip_chars().alias("email"),
        active.alias("active_text"),
    ).with_columns(
        normalise(pl.col("username")).alias("username_norm"),
        normalise(pl.col("email")).alias("email_norm"),
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
        .when(pl.col("id_text").is_duplicated())
        .then(pl.lit("duplicate id in the file"))
        .when(pl.col("username_norm").is_duplicated())
        .then(pl.lit("duplicate username in the file"))
        .when(pl.col("email_norm").is_duplicated())
        .then(pl.lit("duplicate email in the file"))
    )
    return rows.with_columns(reason.alias("reason"))
