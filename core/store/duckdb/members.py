"""DuckDB's members repository: a batch's users: adding, listing, removing."""

from __future__ import annotations

from core.store.duckdb.base import Repository


class DuckMembers(Repository):
    """The SQL behind `core.store.ports.members.MembersRepository`."""
