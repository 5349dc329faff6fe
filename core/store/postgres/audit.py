"""PostgreSQL's audit repository: the audit log."""

from __future__ import annotations

import polars as pl

from core.store.postgres.base import Repository


class PgAudit(Repository):
    """The SQL behind `core.store.ports.audit.AuditRepository`."""

    def append(
        self, actor: str, action: str, batch_id: int | None, detail: str, via: str | None = None
    ) -> None:
        """Append one entry (inside the caller's transaction); `via`: the API token's name."""
        self.rows(
            "INSERT INTO audit_log (actor, action, batch_id, detail, via) "
            "VALUES (%s, %s, %s, %s, %s)",
            [actor, str(action), batch_id, detail, via],
        )

    def entries(self, batch_id: int | None, limit: int) -> pl.DataFrame:
        """The newest entries first (happened_at, actor, action, batch_id, detail, via)."""
        # Two statements rather than "batch IS NULL OR batch_id = batch": each has its index
        # (the primary key backwards, or audit_log_batch) whatever plan the server keeps.
        where = "" if batch_id is None else "WHERE batch_id = %(batch)s"
        return self.frame(
            "SELECT happened_at, actor, action, batch_id, detail, via FROM audit_log "
            f"{where} ORDER BY id DESC LIMIT %(limit)s",
            {"batch": batch_id, "limit": limit},
        )
