"""The members repository's port: a batch's users: adding, listing, removing."""

from __future__ import annotations

from typing import Protocol


class MembersRepository(Protocol):
    """What domain code may ask the store about a batch's users: adding, listing, removing."""
