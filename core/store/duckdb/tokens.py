"""DuckDB's tokens repository: API tokens (issue 17), its SQL in `core/store/shared/tokens.py`."""

from __future__ import annotations

from core.store.duckdb.base import Repository
from core.store.shared.tokens import SharedTokens


class DuckTokens(SharedTokens, Repository):
    """`core.store.ports.tokens.TokensRepository` on DuckDB."""
