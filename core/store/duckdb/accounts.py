"""DuckDB's accounts repository: back-office accounts, sessions and login throttling."""

from __future__ import annotations

from core.store.duckdb.base import Repository


class DuckAccounts(Repository):
    """The SQL behind `core.store.ports.accounts.AccountsRepository`."""
