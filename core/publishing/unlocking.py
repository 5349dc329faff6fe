"""One chunk of the queue in one transaction: the next users, their statuses, their unlocks.

A crash loses at most the chunk in flight, which simply runs again: the unlocks' key (one per
user and quest, ever) and the status check make every user end unlocked exactly once.

Revoking (issue 15) goes through the same door: while a batch that is not paused is
"Revoking", a chunk takes its users first (a correction is urgent), deletes the unlocks only
this batch gave and sets them "Revoked", in one transaction too. Paused batches are skipped;
while the whole publisher is paused (core.publishing.publisher_pause) no chunk is taken at all.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import polars as pl

from core.errors import DuplicateKey
from core.publishing import failure_rule, publisher_pause, unlock_counts
from core.publishing.throttle import DEFAULT_CHUNK
from core.store.ports import UnitOfWork
from core.webhooks import events

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
    # A revoke chunk: unlocks deleted, and users whose unlock another batch keeps.
    revoked: int = 0
    kept: int = 0
    # Nothing was taken because the whole publisher is paused.
    paused_publisher: bool = False

    @property
    def empty(self) -> bool:
        """Tell whether the chunk found nothing to do (the queue is empty, or all paused)."""
        return self.processed == 0 and not self.finished


def process_once(uow: UnitOfWork, limit: int = DEFAULT_CHUNK) -> ChunkReport:
    """Process the next `limit` users in one transaction: users to revoke first, else queued
    users (across batches, in queue order); nothing while the publisher is paused."""
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
    # Read in the chunk's own transaction: a pause committed before it is always seen.
    if publisher_pause.is_paused(uow):
        return ChunkReport(paused_publisher=True)
    if uow.publishing.has_revoke_work():
        revoked = _revoke(uow, limit)
        if revoked.processed:
            return revoked
    return _publish(uow, limit)


def _revoke(uow: UnitOfWork, limit: int) -> ChunkReport:
    """Revoke the next `limit` users waiting to be revoked (category decided again now)."""
    chunk = uow.publishing.next_revoke_chunk(limit)
    if chunk.is_empty():
        return ChunkReport()
    deleted = uow.publishing.record_revoke_chunk(chunk)
    # The weekly chart's revokes move with the unlocks, in the same transaction.
    if deleted.height:
        uow.publishing.count_revokes(deleted)
    batch_ids = chunk["batch_id"].unique().sort().to_list()
    uow.batches.refresh_counts(batch_ids)
    finished = uow.publishing.finished_among(batch_ids)
    _tell(uow, events.REVOKED, finished)
    return ChunkReport(
        processed=chunk.height,
        revoked=deleted.height,
        kept=chunk.height - deleted.height,
        batch_ids=tuple(batch_ids),
        finished=finished,
    )


def _publish(uow: UnitOfWork, limit: int) -> ChunkReport:
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
    finished = uow.publishing.finished_among(touched) if touched else ()
    _tell(uow, events.FINISHED, finished)
    return ChunkReport(
        processed=chunk.height,
        published=published,
        errors=errors,
        already_held=published - inserted,
        batch_ids=tuple(batch_ids),
        finished=finished,
    )


def _tell(uow: UnitOfWork, event: str, batch_ids: tuple[int, ...]) -> None:
    """Put the event of each batch this chunk finished in the webhooks' outbox, in the chunk's
    transaction: a rolled-back chunk tells nothing, a committed one cannot lose it."""
    for batch_id in batch_ids:
        events.enqueue(uow, event, batch_id)
