"""The matching repository's port: uploaded rows against platform users: the lookup index and the matching join."""

from __future__ import annotations

from typing import Protocol


class MatchingRepository(Protocol):
    """What domain code may ask the store about uploaded rows against platform users: the lookup index and the matching join."""
