"""A new demo data file: built aside and renamed, so it appears whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from core.demo import content, loader
from core.errors import InputError, StoreError
from core.store.ports import UnitOfWork


def create_file(
    path: str | os.PathLike,
    open_store: Callable[[Path], UnitOfWork],
    n_users: int = content.DEFAULT_USERS,
    seed: int = 1,
) -> None:
    """Create a new demo data file at `path`, whole or not at all (built aside, then renamed)."""
    path = Path(path)
    if path.exists():
        raise InputError(
            f"The data file {path} exists already; demo data goes into new files only."
        )
    building = path.with_name(f".{path.name}.building")
    leftovers = (building, building.with_name(building.name + ".wal"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)  # from a fill that was killed half way
    try:
        uow = open_store(building)
        try:
            loader.fill(uow, n_users=n_users, seed=seed)
            uow.demo.checkpoint()  # everything in the file itself, none left in its WAL
        finally:
            uow.close()
        os.replace(building, path)
    except (StoreError, OSError) as exc:
        raise StoreError(
            f"The demo data file {path} could not be created ({exc}); nothing was left behind. "
            "Check that its folder is writable and the disk has room, then start again."
        ) from exc
    finally:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
