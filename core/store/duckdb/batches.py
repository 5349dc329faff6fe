"""DuckDB's batches repository: batches: the read model, drafts' lifecycle, versions and counters."""

from __future__ import annotations

from core.store.duckdb.base import Repository


class DuckBatches(Repository):
    """The SQL behind `core.store.ports.batches.BatchesRepository`."""
