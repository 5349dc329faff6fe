"""DuckDB's users repository: platform users: import, look-up, deactivation."""

from __future__ import annotations

from core.store.duckdb.base import Repository


class DuckUsers(Repository):
    """The SQL behind `core.store.ports.users.UsersRepository`."""
