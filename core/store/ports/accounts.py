"""The accounts repository's port: back-office accounts, sessions and login throttling."""

from __future__ import annotations

from typing import Protocol


class AccountsRepository(Protocol):
    """What domain code may ask the store about back-office accounts, sessions and login throttling."""
