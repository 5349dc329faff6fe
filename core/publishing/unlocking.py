"""One chunk of the queue in one transaction: the next users, their statuses, their unlocks.

A crash loses at most the chunk in flight, which simply runs again: the unlocks' key (one per
user and quest, ever) and the status check make every user end unlocked exactly once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import polars as pl

from core.errors import DuplicateKey
from core.publishing import failure_rule, unlock_counts
from core.publishing.throttle import DEFAULT_CHUNK
from core.store.ports import UnitOfWork

# One chunk at a time per process: a second thread would only conflict and retry.
_PROCESS_LOCK = threading.Lock()
# A chunk that lost an unlock to another writer runs again this many times at most.
_ATTEMPTS = 5


@dataclass(frozen=True)
class ChunkReport:
    """What one chunk did."""

    processed: int = 0
    published: int = 0
    errors: int = 0
    already_held: int = 0
    batch_ids: tuple[int, ...] = ()
    finished: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        """Tell whether the chunk found nothing to do (the queue is empty)."""
        return self.processed == 0 and not self.finished


def process_once(uow: UnitOfWork, limit: int = DEFAULT_CHUNK) -> ChunkReport:
    """Process the next `limit` queued users (across batches, in queue order) in one transaction."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    with _PROCESS_LOCK:
        for attempt in range(_ATTEMPTS):
            try:
                return uow.transaction(lambda u: _process(u, limit))
            except DuplicateKey:
                # Another writer committed the same unlock first; the rerun sees it and skips it.
                if attempt == _ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (2**attempt))
    raise AssertionError("unreachable")


def _process(uow: UnitOfWork, limit: int) -> ChunkReport:
    chunk = uow.publishing.next_chunk(limit)
    batch_ids: list[int] = []
    errors = inserted = 0
    if chunk.height:
        chunk = chunk.with_columns(
            error_reason=pl.col("failure").replace_strict(
                failure_rule.REASONS, default=None, return_dtype=pl.String
            )
        )
        batch_ids = chunk["batch_id"].unique().sort().to_list()
        errors = int(chunk["failure"].is_not_null().sum())
        new = uow.publishing.record_chunk(chunk)
        inserted = new.height
        # The weekly chart's counts move with the unlocks, in the same transaction.
        unlock_counts.add(uow, new)
    settled: list[int] = []
    if chunk.height < limit:  # The queue is draining: also finish batches with nobody pending.
        settled = uow.publishing.settled_batches()
    touched = sorted(set(batch_ids) | set(settled))
    uow.batches.refresh_counts(touched)
    published = chunk.height - errors
    return ChunkReport(
        processed=chunk.height,
        published=published,
        errors=errors,
        already_held=published - inserted,
        batch_ids=tuple(batch_ids),
        finished=uow.publishing.finished_among(touched) if touched else (),
    )
