"""Unlocks counted per batch, quest and UTC quarter hour (table unlock_counts, migration m003).

The weekly chart of the batch list sums these few rows instead of reading every unlock. Whoever
inserts unlocks for a batch adds them here in the same transaction: the publisher's chunk does,
through `add`; bulk loaders (the demo, benchmarks) call `rebuild` once at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store's adapters import QUARTER_US from here
    import polars as pl

    from core.store.ports import UnitOfWork

# The chart's bucket, 15 minutes in microseconds: every UTC offset is a multiple of it, so local
# weeks in any zone are sums of quarter hours. Migration m003 keeps its own literal (a migration
# never changes); the chart's SQL and the counts below use this one.
QUARTER_US = 900_000_000


def add(uow: UnitOfWork, unlocks: pl.DataFrame) -> None:
    """Count in unlocks just inserted (batch_id, quest_id, unlocked_at), in the caller's transaction."""
    if unlocks.height:
        uow.publishing.count_unlocks(unlocks)


def rebuild(uow: UnitOfWork) -> None:
    """Count every stored unlock again (after a bulk load that bypassed `add`)."""
    uow.transaction(lambda u: u.publishing.recount_unlocks())
