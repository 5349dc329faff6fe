"""Versioned schema migrations of the PostgreSQL store: each `mNNN_name.py` holds `VERSION` and `STATEMENTS`.

A database records the versions applied in `schema_version`; opening it (under an advisory lock, so replicas starting together take turns) applies the missing ones
in order, each in its own transaction, so an older database upgrades in place without losing rows.
To change the schema, add a new module with the next free number; never edit an applied one.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema step."""

    version: int
    name: str
    statements: tuple[str, ...]


def all_migrations() -> list[Migration]:
    """Return every migration in this package, oldest first."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(module.VERSION, info.name, tuple(module.STATEMENTS)))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"Two migrations share a version number: {versions}")
    return found
