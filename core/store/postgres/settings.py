"""PostgreSQL's settings repository: key/value settings."""

from __future__ import annotations

from core.store.postgres.base import Repository


class PgSettings(Repository):
    """The SQL behind `core.store.ports.settings.SettingsRepository`."""

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return a stored setting, or `default`."""
        found = self.rows("SELECT value FROM settings WHERE key = %s", [key])
        return found[0][0] if found else default

    def put(self, key: str, value: str) -> None:
        """Store a setting, joining the caller's transaction (or in one of its own)."""
        self._uow.transaction(
            lambda _: self.rows(
                "INSERT INTO settings (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
        )
