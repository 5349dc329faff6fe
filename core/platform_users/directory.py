"""Platform users: the people badges are unlocked for. Importing them, and their normal forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from core import audit
from core.access.roles import Account, Permission, require
from core.errors import InputError
from core.platform_users import ids
from core.store import in_transaction, unregister

REQUIRED = ("id", "username", "email")


def normalise(expr: pl.Expr) -> pl.Expr:
    """The form usernames and emails are matched on: trimmed and lower-cased."""
    return expr.cast(pl.String).str.strip_chars().str.to_lowercase()


@dataclass
class ImportReport:
    """What `import_users` did: counts, and each rejected row with its reason."""

    added: int = 0
    updated: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the report as plain data (for --json)."""
        return {"added": self.added, "updated": self.updated, "rejected": self.rejected}


def read_user_file(path: str | Path) -> pl.DataFrame:
    """Read a CSV or Parquet file of users as strings, or raise InputError saying why not."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"There is no file at {path}. Check the path.")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
            return frame.with_columns(pl.all().cast(pl.String))
        return pl.read_csv(path.read_bytes(), infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(
            f"{path.name} cannot be read as {'Parquet' if path.suffix == '.parquet' else 'CSV'} "
            f"({str(exc).splitlines()[0]}). Save it as a comma-separated CSV or Parquet file."
        ) from None


def import_users(
    cur: duckdb.DuckDBPyConnection, actor: Account, frame: pl.DataFrame
) -> ImportReport:
    """Insert or update users by id, all or nothing; rows that break a rule are rejected."""
    require(actor, Permission.MANAGE_CATALOG)
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
            & ~pl.col("active_text").is_in(["true", "false", "1", "0", "yes", "no", ""])
        )
        .then(pl.lit("active must be true or false"))
        .when(pl.col("id_text").is_duplicated())
        .then(pl.lit("duplicate id in the file"))
        .when(pl.col("username_norm").is_duplicated())
        .then(pl.lit("duplicate username in the file"))
        .when(pl.col("email_norm").is_duplicated())
        .then(pl.lit("duplicate email in the file"))
    )
    rows = rows.with_columns(reason.alias("reason"))
    candidates = rows.filter(pl.col("reason").is_null()).with_columns(
        pl.col("id_text").cast(pl.Int64).alias("id"),
        pl.col("active_text").is_in(["false", "0", "no"]).fill_null(False).not_().alias("active"),
    )

    def write(c: duckdb.DuckDBPyConnection) -> ImportReport:
        c.register(
            "incoming",
            candidates.select(
                "row", "id", "username", "email", "username_norm", "email_norm", "active"
            ),
        )
        try:
            # Usernames and emails must stay unique across all platform users.
            clashes = c.execute(
                """SELECT i.row,
                          CASE WHEN EXISTS (SELECT 1 FROM platform_users p
                                            WHERE p.username_norm = i.username_norm AND p.id <> i.id)
                               THEN 'username already used by another user'
                               ELSE 'email already used by another user' END
                   FROM incoming i
                   WHERE EXISTS (SELECT 1 FROM platform_users p
                                 WHERE (p.username_norm = i.username_norm OR p.email_norm = i.email_norm)
                                   AND p.id <> i.id)"""
            ).fetchall()
            clash_rows = {r for r, _ in clashes}
            c.execute(
                "CREATE TEMP TABLE accepted AS SELECT * FROM incoming WHERE NOT list_contains($1, row)",
                [sorted(clash_rows)],
            )
            updated = c.execute(
                "SELECT count(*) FROM accepted a JOIN platform_users p ON p.id = a.id"
            ).fetchall()[0][0]
            total = c.execute("SELECT count(*) FROM accepted").fetchall()[0][0]
            c.execute(
                """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active)
                   SELECT id, username, email, username_norm, email_norm, active FROM accepted
                   ON CONFLICT (id) DO UPDATE SET username = excluded.username, email = excluded.email,
                       username_norm = excluded.username_norm, email_norm = excluded.email_norm,
                       active = excluded.active"""
            )
            c.execute("DROP TABLE accepted")
        finally:
            unregister(c, "incoming")
        report = ImportReport(added=total - updated, updated=updated)
        rejected = rows.filter(pl.col("reason").is_not_null()).select("row", "reason").to_dicts()
        rejected += [{"row": r, "reason": why} for r, why in clashes]
        report.rejected = sorted(rejected, key=lambda r: r["row"])
        audit.record(
            c,
            actor,
            "users imported",
            detail=f"added {report.added}, updated {report.updated}, rejected {len(report.rejected)}",
        )
        return report

    return in_transaction(cur, write)


def count(cur: duckdb.DuckDBPyConnection) -> int:
    """Return how many platform users there are."""
    return cur.execute("SELECT count(*) FROM platform_users").fetchall()[0][0]
