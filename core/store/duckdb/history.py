"""DuckDB's history repository: the batch list: filtered pages, counts, charts and exports."""

from __future__ import annotations

from core.store.duckdb.base import Repository


class DuckHistory(Repository):
    """The SQL behind `core.store.ports.history.HistoryRepository`."""
