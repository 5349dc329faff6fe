"""Settings: which store to use, whether to create demo data, whether this process publishes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "batch_unlock.duckdb"
DB_ENV = "BATCH_UNLOCK_DB"
DEMO_ENV = "BATCH_UNLOCK_DEMO"
WORKER_ENV = "BATCH_UNLOCK_WORKER"


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str | os.PathLike) -> bool:
    """Tell whether a store location is a PostgreSQL URL (anything else is a DuckDB file)."""
    return str(location).startswith(POSTGRES_SCHEMES)


def database_path(explicit: str | os.PathLike | None = None) -> Path | str:
    """Return the store to use: the explicit one, else $BATCH_UNLOCK_DB, else the file in data/.

    A postgresql:// URL is returned as it is (a string); anything else is a DuckDB file path.
    """
    location = explicit or os.environ.get(DB_ENV) or DEFAULT_DB
    return str(location) if is_postgres(location) else Path(location)


def _flag(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    return value.strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class Settings:
    """What one process is configured with; read once, passed down (never a module global)."""

    database: Path | str  # a DuckDB file, or a postgresql:// URL
    demo: bool | None = None  # None: only the default file is created with demo data
    run_worker: bool = True

    @classmethod
    def from_env(cls, database: str | os.PathLike | None = None) -> Settings:
        """Read the settings from the environment ($BATCH_UNLOCK_DB, _DEMO, _WORKER)."""
        worker = _flag(WORKER_ENV)
        location = database_path(database)
        return cls(
            database=location if isinstance(location, str) else location.resolve(),
            # Only a yes asks for demo data; anything else leaves the default-file rule.
            demo=True if _flag(DEMO_ENV) else None,
            run_worker=True if worker is None else worker,
        )

    @property
    def on_postgres(self) -> bool:
        """Tell whether the store is a PostgreSQL database (shared by several processes)."""
        return isinstance(self.database, str)

    def wants_demo(self) -> bool:
        """Tell whether a missing data file is to be created with demo data (never a database:
        PostgreSQL gets demo data only from `python -m core init --demo`)."""
        if self.on_postgres:
            return False
        if self.demo is not None:
            return self.demo
        return self.database == DEFAULT_DB.resolve()
