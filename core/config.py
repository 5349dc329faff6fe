"""Settings: which store to use, whether to create demo data, whether this process publishes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "batch_unlock.duckdb"
DB_ENV = "BATCH_UNLOCK_DB"
DEMO_ENV = "BATCH_UNLOCK_DEMO"
WORKER_ENV = "BATCH_UNLOCK_WORKER"


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """Return the data file to use: the explicit path, else $BATCH_UNLOCK_DB, else data/."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


def _flag(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    return value.strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class Settings:
    """What one process is configured with; read once, passed down (never a module global)."""

    database: Path
    demo: bool | None = None  # None: only the default file is created with demo data
    run_worker: bool = True

    @classmethod
    def from_env(cls, database: str | os.PathLike | None = None) -> Settings:
        """Read the settings from the environment ($BATCH_UNLOCK_DB, _DEMO, _WORKER)."""
        worker = _flag(WORKER_ENV)
        return cls(
            database=database_path(database).resolve(),
            # Only a yes asks for demo data; anything else leaves the default-file rule.
            demo=True if _flag(DEMO_ENV) else None,
            run_worker=True if worker is None else worker,
        )

    def wants_demo(self) -> bool:
        """Tell whether a missing data file is to be created with demo data."""
        if self.demo is not None:
            return self.demo
        return self.database == DEFAULT_DB.resolve()
