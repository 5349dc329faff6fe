"""Versioned schema migrations, whatever the store: modules `mNNN_name.py` with `VERSION` and `STATEMENTS`.

A store records the versions applied in `schema_version`; opening it applies the missing ones in
order, each in its own transaction, so an older store upgrades in place without losing rows. To
change the schema, add a new module with the next free number to each adapter's `migrations`
package (the same number for the same step); never edit an applied one.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema step."""

    version: int
    name: str
    statements: tuple[str, ...]


def migrations_in(package: str, path: Iterable[str]) -> list[Migration]:
    """Return every migration module of a package (its name and `__path__`), oldest first."""
    found = []
    for info in pkgutil.iter_modules(path):
        if not info.name.startswith("m"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        found.append(Migration(module.VERSION, info.name, tuple(module.STATEMENTS)))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"Two migrations share a version number: {versions}")
    return found
