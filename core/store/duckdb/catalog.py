"""DuckDB's catalog repository: badges and quests."""

from __future__ import annotations

from core.store.duckdb.base import Repository


class DuckCatalog(Repository):
    """The SQL behind `core.store.ports.catalog.CatalogRepository`."""
