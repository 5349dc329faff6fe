"""The users repository's port: platform users: import, look-up, deactivation."""

from __future__ import annotations

from typing import Protocol


class UsersRepository(Protocol):
    """What domain code may ask the store about platform users: import, look-up, deactivation."""
