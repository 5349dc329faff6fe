"""The batches repository's port: batches: the read model, drafts' lifecycle, versions and counters."""

from __future__ import annotations

from typing import Protocol


class BatchesRepository(Protocol):
    """What domain code may ask the store about batches: the read model, drafts' lifecycle, versions and counters."""
