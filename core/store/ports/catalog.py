"""The catalog repository's port: badges and quests."""

from __future__ import annotations

from typing import Protocol


class CatalogRepository(Protocol):
    """What domain code may ask the store about badges and quests."""
