"""The normal form usernames and emails are stored and matched on: trimmed and lower-cased.

One definition, in polars: `platform_users.username_norm`/`email_norm` are written with it on
import, and uploads, single adds and suggestions compare in the same form.
"""

from __future__ import annotations

import polars as pl


def normalise(expr: pl.Expr) -> pl.Expr:
    """The normal form of a username or email column: trimmed and lower-cased."""
    return expr.cast(pl.String).str.strip_chars().str.to_lowercase()


def normal_form(text: str | None) -> str:
    """The normal form of one typed username or email (empty for None)."""
    # Through `normalise` itself, so Python's own lower() and strip() never differ from it.
    return pl.select(normalise(pl.lit(text or "", pl.String))).item()
