"""Every repository of the PostgreSQL store, attached to a unit of work (one place lists them)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.store.postgres.unit_of_work import PgUnitOfWork

# attribute of the unit of work → (module in core/store/postgres/, class)
REPOSITORIES = {
    "batches": ("batches", "PgBatches"),
    "members": ("members", "PgMembers"),
    "matching": ("matching", "PgMatching"),
    "publishing": ("publishing", "PgPublishing"),
    "history": ("history", "PgHistory"),
    "catalog": ("catalog", "PgCatalog"),
    "users": ("users", "PgUsers"),
    "accounts": ("accounts", "PgAccounts"),
    "settings": ("settings", "PgSettings"),
    "audit": ("audit", "PgAudit"),
    "demo": ("demo", "PgDemo"),
    "tokens": ("tokens", "PgTokens"),
    "idempotency": ("idempotency", "PgIdempotency"),
    "webhooks": ("webhooks", "PgWebhooks"),
}


def attach(uow: PgUnitOfWork) -> None:
    """Give a unit of work its repositories (each runs its SQL on the unit of work's connection)."""
    for attribute, (module, name) in REPOSITORIES.items():
        cls = getattr(importlib.import_module(f"core.store.postgres.{module}"), name)
        setattr(uow, attribute, cls(uow))
