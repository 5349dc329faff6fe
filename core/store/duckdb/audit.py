"""DuckDB's audit repository: the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.duckdb.base import Repository

if TYPE_CHECKING:
    import polars as pl


class DuckAudit(Repository):
    """The SQL behind `core.store.ports.audit.AuditRepository`."""

    def append(
        self, actor: str, action: str, batch_id: int | None, detail: str, via: str | None = None
    ) -> None:
        """Append one entry (inside the caller's transaction); `via`: the API token's name."""
        self.rows(
            "INSERT INTO audit_log (actor, action, batch_id, detail, via) VALUES (?, ?, ?, ?, ?)",
            [actor, str(action), batch_id, detail, via],
        )

    def entries(self, batch_id: int | None, limit: int) -> pl.DataFrame:
        """The newest entries first (happened_at, actor, action, batch_id, detail, via)."""
        return self.frame(
            "SELECT happened_at, actor, action, batch_id, detail, via FROM audit_log "
            "WHERE $batch IS NULL OR batch_id = $batch ORDER BY id DESC LIMIT $limit",
            {"batch": batch_id, "limit": limit},
        )
