"""The audit repository's port: the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import polars as pl


class AuditRepository(Protocol):
    """What domain code may ask the store about the audit log."""

    def append(
        self, actor: str, action: str, batch_id: int | None, detail: str, via: str | None = None
    ) -> None:
        """Append one entry (inside the caller's transaction); `via`: the API token's name."""
        ...

    def entries(self, batch_id: int | None, limit: int) -> pl.DataFrame:
        """The newest entries first (happened_at, actor, action, batch_id, detail, via)."""
        ...
