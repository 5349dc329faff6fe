"""The audit log: who did what, when, to which batch."""

from __future__ import annotations

import duckdb
import polars as pl

from core.roles import Account
from core.store import frame


def record(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    action: str,
    batch_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one entry; call inside the transaction of the change it describes."""
    cur.execute(
        "INSERT INTO audit_log (actor, action, batch_id, detail) VALUES (?, ?, ?, ?)",
        [actor.username, action, batch_id, detail],
    )


def entries(
    cur: duckdb.DuckDBPyConnection, batch_id: int | None = None, limit: int = 500
) -> pl.DataFrame:
    """Return the newest entries first, for one batch or all."""
    return frame(
        cur,
        "SELECT happened_at, actor, action, batch_id, detail FROM audit_log "
        "WHERE $batch IS NULL OR batch_id = $batch ORDER BY id DESC LIMIT $limit",
        params={"batch": batch_id, "limit": limit},
    )
