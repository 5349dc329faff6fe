"""DuckDB's publishing repository: the queue, chunk claims, unlocks and the publisher's settings."""

from __future__ import annotations

from core.store.duckdb.base import Repository


class DuckPublishing(Repository):
    """The SQL behind `core.store.ports.publishing.PublishingRepository`."""
