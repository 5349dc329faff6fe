"""The settings repository's port: key/value settings."""

from __future__ import annotations

from typing import Protocol


class SettingsRepository(Protocol):
    """What domain code may ask the store about key/value settings."""

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return a stored setting, or `default`."""
        ...

    def put(self, key: str, value: str) -> None:
        """Store a setting, joining the caller's transaction (or in one of its own)."""
        ...
