"""The store port: what domain code may ask of any store (DuckDB today, PostgreSQL next).

Domain functions take a `UnitOfWork` (and the acting account) and reach data only through its
repositories; polars frames are the exchange format for sets of rows. A store adapter
(`core/store/duckdb/`) implements every repository.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from core.store.ports.accounts import AccountsRepository
from core.store.ports.audit import AuditRepository
from core.store.ports.batches import BatchesRepository
from core.store.ports.catalog import CatalogRepository
from core.store.ports.demo import DemoRepository
from core.store.ports.history import HistoryRepository
from core.store.ports.idempotency import IdempotencyRepository
from core.store.ports.matching import MatchingRepository
from core.store.ports.members import MembersRepository
from core.store.ports.publishing import PublishingRepository
from core.store.ports.settings import SettingsRepository
from core.store.ports.tokens import TokensRepository
from core.store.ports.users import UsersRepository
from core.store.ports.webhooks import WebhooksRepository

T = TypeVar("T")


class UnitOfWork(Protocol):
    """One thread's way into the store: its repositories and its transactions."""

    batches: BatchesRepository
    members: MembersRepository
    matching: MatchingRepository
    publishing: PublishingRepository
    history: HistoryRepository
    catalog: CatalogRepository
    users: UsersRepository
    accounts: AccountsRepository
    settings: SettingsRepository
    audit: AuditRepository
    demo: DemoRepository
    tokens: TokensRepository
    idempotency: IdempotencyRepository
    webhooks: WebhooksRepository

    @property
    def in_transaction(self) -> bool:
        """Tell whether a transaction is open."""
        ...

    def transaction(self, work: Callable[[UnitOfWork], T], attempts: int = ...) -> T:
        """Run `work(self)` in one transaction, tried up to `attempts` times on a conflict (then
        `core.store.retry.GaveUp`); an inner call joins it."""
        ...

    def cursor(self) -> UnitOfWork:
        """A new unit of work for another thread."""
        ...

    def close(self) -> None:
        """Release this unit of work."""
        ...

    def schema_version(self) -> int:
        """The highest schema migration applied to the store (0 for a new one)."""
        ...

    def probe(self) -> None:
        """Read what every request needs; raise `StoreUnavailable` if the store cannot serve it."""
        ...
