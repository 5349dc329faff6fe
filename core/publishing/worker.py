"""The publisher's loop: chunk after chunk of the queue, at the rate, until stopped or empty.

Each chunk is one transaction (core.publishing.chunk); the throttle (core.publishing.throttle)
sizes and spaces them. The app runs this loop in a background thread
(core.publishing.background), `python -m core worker` in the foreground. Several workers may
run at once on one PostgreSQL database: a chunk only takes batches no other worker holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.publishing import queue, unlocking
from core.publishing.publish_rate import parse_rate
from core.publishing.throttle import DEFAULT_CHUNK, ChunkSizer, pause_after
from core.publishing.unlocking import ChunkReport
from core.store.ports import UnitOfWork

# How often an idle worker looks for newly published batches when nothing wakes it.
IDLE_POLL = 0.5
# How soon a worker looks again when batches are queued but other workers hold them all
# (PostgreSQL): it takes one over as soon as a holder commits, is killed or times out.
BUSY_POLL = 0.05


@dataclass
class RunReport:
    """What a run of the worker did, added up over its chunks."""

    processed: int = 0
    published: int = 0
    errors: int = 0
    already_held: int = 0
    revoked: int = 0
    kept: int = 0
    chunks: int = 0
    finished: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, chunk: ChunkReport) -> None:
        """Count one chunk in."""
        self.processed += chunk.processed
        self.published += chunk.published
        self.errors += chunk.errors
        self.already_held += chunk.already_held
        self.revoked += chunk.revoked
        self.kept += chunk.kept
        self.chunks += 1 if chunk.processed else 0
        self.finished.extend(chunk.finished)


def run(
    uow: UnitOfWork,
    stop: threading.Event,
    rate: float | Callable[[], float | None] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    until_empty: bool = False,
    on_chunk: Callable[[ChunkReport], None] | None = None,
    wake: threading.Event | None = None,
    max_chunk: int | None = None,
    on_idle: Callable[[], None] | None = None,
) -> RunReport:
    """Process chunks until `stop` is set (or the queue is empty, with `until_empty`).

    `rate` is unlocks per second (None: unlimited) or a function returning it, asked before every
    chunk so a changed setting applies at once. Sleeping between chunks keeps to the rate.
    Unthrottled chunks grow from `chunk_size` up to `max_chunk` (MAX_CHUNK if None; pass
    `max_chunk=chunk_size` for a fixed size). `on_idle` is called whenever the queue is empty.
    Paused batches, or the whole publisher paused, count as an empty queue: the worker waits
    idle (`until_empty` returns) and takes them up once resumed (`wake`, or the next poll).
    """
    report = RunReport()
    sizer = ChunkSizer(chunk_size, max_chunk)
    started = time.perf_counter()
    # Idle, the worker waits for `wake` (or `stop`) or a batch queued by any process, polling
    # every IDLE_POLL seconds only as a fallback (see PublishingRepository.listen).
    with uow.publishing.listen(wake or stop) as waiter:
        while not stop.is_set():
            # An idle worker only runs this tiny read; a chunk's transaction waits for work.
            chunk, current, began = ChunkReport(), None, time.perf_counter()
            queued = queue.anything_queued(uow)
            if queued:
                current = parse_rate(rate() if callable(rate) else rate)  # 0 means unlimited
                asked = sizer.next(current)
                # `began` stays before the queue check: the rate counts the whole cycle's time.
                chunk = unlocking.process_once(uow, asked)
                sizer.learn(current, asked, chunk.processed, time.perf_counter() - began)
            if chunk.empty:
                if on_idle is not None:
                    on_idle()
                # Work waiting, yet nothing taken: other workers hold it (PostgreSQL).
                held = queued and not chunk.paused_publisher
                if until_empty and not held:
                    break  # with batches still queued, other workers hold them: wait for them
                waiter.wait(BUSY_POLL if held else IDLE_POLL)
                if wake is not None:
                    wake.clear()
                continue
            report.add(chunk)
            if on_chunk is not None:
                on_chunk(chunk)
            if current is not None:
                stop.wait(pause_after(chunk.processed, current, time.perf_counter() - began))
    report.seconds = time.perf_counter() - started
    return report


def run_until_empty(
    uow: UnitOfWork,
    rate: float | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    on_chunk: Callable[[ChunkReport], None] | None = None,
    max_chunk: int | None = None,
) -> RunReport:
    """Process the whole queue in this thread, then return (rate None: unlimited)."""
    return run(
        uow,
        threading.Event(),
        rate,
        chunk_size,
        until_empty=True,
        on_chunk=on_chunk,
        max_chunk=max_chunk,
    )
