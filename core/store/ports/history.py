"""The history repository's port: the batch list: filtered pages, counts, charts and exports."""

from __future__ import annotations

from typing import Protocol


class HistoryRepository(Protocol):
    """What domain code may ask the store about the batch list: filtered pages, counts, charts and exports."""
