"""The PostgreSQL store's schema migrations (see core/store/migration_steps.py for the rules).

Each has the version number of the DuckDB migration for the same step; `connect` applies them under
an advisory lock, so replicas starting together take turns.
"""

from __future__ import annotations

from core.store.migration_steps import Migration, migrations_in

__all__ = ["Migration", "all_migrations"]


def all_migrations() -> list[Migration]:
    """Return every migration in this package, oldest first."""
    return migrations_in(__name__, __path__)
