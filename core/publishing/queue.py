"""The publishing queue: which batch, and which of its users, goes next, and where a batch stands.

Queue order, the one rule for it: batches by the moment they were queued (their creation, for
one never queued), two queued in the same instant by id; within a batch, users by User ID. A
batch is in the queue while its status is pending (core.batches.rules.PENDING_STATUSES). The
store sorts by it (core/store/duckdb/publishing_sql.py); the worker's chunks take users in it.
A paused batch keeps its place (flagged `paused`) but the chunks skip it; a batch "Revoking"
(issue 15) is not in the queue, yet it is work for the publisher, taken before the queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.ports import UnitOfWork

if TYPE_CHECKING:
    import polars as pl


def queued_batches(uow: UnitOfWork) -> pl.DataFrame:
    """Return the queued batches in processing order, with their place (1 is processed first).

    Columns: position, id, name, status, queued_at, users, pending, progress (0-100), paused.
    """
    return uow.publishing.queue()


def position(uow: UnitOfWork, batch_id: int) -> int | None:
    """Return the batch's place in the queue (1 is processed first), or None if it is not queued."""
    return uow.publishing.queue_position(batch_id)


def anything_queued(uow: UnitOfWork) -> bool:
    """Tell whether the publisher has work: a queued batch that is not paused, or a batch
    "Revoking" (pages poll only while there is, and an idle worker looks for chunks only then)."""
    return uow.publishing.has_queue()


def ordinal(n: int) -> str:
    """Return 1st, 2nd, 3rd, 4th, 11th, 21st... (a place in the queue)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
