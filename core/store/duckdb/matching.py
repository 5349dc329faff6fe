"""DuckDB's matching repository: uploaded rows against platform users: the lookup index and the matching join."""

from __future__ import annotations

from core.store.duckdb.base import Repository


class DuckMatching(Repository):
    """The SQL behind `core.store.ports.matching.MatchingRepository`."""
