"""DuckDB's audit repository: the audit log."""

from __future__ import annotations

from core.store.duckdb.base import Repository


class DuckAudit(Repository):
    """The SQL behind `core.store.ports.audit.AuditRepository`."""
