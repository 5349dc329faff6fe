"""The DuckDB store's schema migrations (see core/store/migration_steps.py for the rules)."""

from __future__ import annotations

from core.store.migration_steps import Migration, migrations_in

__all__ = ["Migration", "all_migrations"]


def all_migrations() -> list[Migration]:
    """Return every migration in this package, oldest first."""
    return migrations_in(__name__, __path__)
