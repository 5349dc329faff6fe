"""The publisher's worker: unlocks the badge quest for queued batch users, chunk by chunk.

Each chunk is one transaction that takes the next users of the queue (batches in publishing order,
across batches), inserts their unlocks, sets their statuses and recounts their batches. A crash
loses at most the chunk in flight, which simply runs again: the unlocks primary key
(user_id, quest_id) and the status check make every user end unlocked exactly once.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import polars as pl

from core.batches import rules
from core.errors import StoreUnavailable
from core.publishing import failure_rule, unlock_counts
from core.store import get_setting, in_transaction, unavailable, unregister

log = logging.getLogger(__name__)

# Unthrottled chunks start at DEFAULT_CHUNK users and grow while one takes under half of
# CHUNK_TARGET seconds, up to MAX_CHUNK: a deep queue (several large batches) then pays the fixed
# cost per transaction less often, and progress still moves a few times a second.
DEFAULT_CHUNK = 1000
MAX_CHUNK = 10_000
CHUNK_TARGET = 0.25
# With a throttle, a chunk holds about this many seconds of work, so progress moves smoothly.
THROTTLE_TICK = 0.25
# How often an idle worker looks for newly published batches.
IDLE_POLL = 0.5
RATE_SETTING = "publish_rate"

# Per-user error reasons, shown next to the "Error" status.
REASON_DELETED = "The user was deleted from the platform after being added to the batch."
REASON_INACTIVE = "The user was deactivated after being added to the batch."
REASON_QUEST_GONE = "The badge quest no longer exists."
REASON_BADGE_ARCHIVED = "The badge was archived, so its quests can no longer be unlocked."
REASON_QUEST_ARCHIVED = "The badge quest was archived, so it can no longer be unlocked."

# One chunk at a time per process: a second thread would only conflict and retry.
_PROCESS_LOCK = threading.Lock()

# Top-N first, numbered after: a window over every pending user would sort them all per chunk.
_CHUNK_SQL = f"""
    SELECT c.batch_id, c.user_id, c.quest_id,
           row_number() OVER (ORDER BY c.queued, c.batch_id, c.user_id) AS rank,
           {failure_rule.AS_PARAMETERS} AS error_reason
    FROM (
        -- Users in id order within a batch: the platform_users scan then skips row groups.
        SELECT u.batch_id, u.user_id, b.quest_id, coalesce(b.queued_at, b.created_at) AS queued
        FROM batch_users u JOIN batches b ON b.id = u.batch_id
        WHERE b.status IN ('unpublished', 'in_progress')
          AND u.status IN ('unpublished', 'in_progress')
        ORDER BY queued, u.batch_id, u.user_id
        LIMIT $limit
    ) c
    {failure_rule.joins("c.user_id", "c.quest_id")}
"""

# Queued batches with nobody left to process (e.g. emptied after queueing): refresh finishes them.
_SETTLED_SQL = """
    SELECT b.id FROM batches b
    WHERE b.status IN ('unpublished', 'in_progress')
      AND NOT EXISTS (SELECT 1 FROM batch_users u
                      WHERE u.batch_id = b.id AND u.status IN ('unpublished', 'in_progress'))
"""


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


@dataclass
class RunReport:
    """What a run of the worker did, added up over its chunks."""

    processed: int = 0
    published: int = 0
    errors: int = 0
    already_held: int = 0
    chunks: int = 0
    finished: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, chunk: ChunkReport) -> None:
        """Count one chunk in."""
        self.processed += chunk.processed
        self.published += chunk.published
        self.errors += chunk.errors
        self.already_held += chunk.already_held
        self.chunks += 1 if chunk.processed else 0
        self.finished.extend(chunk.finished)


def process_once(cur: duckdb.DuckDBPyConnection, limit: int = DEFAULT_CHUNK) -> ChunkReport:
    """Process the next `limit` queued users (across batches, in queue order) in one transaction."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    with _PROCESS_LOCK:
        for attempt in range(5):
            try:
                return in_transaction(cur, lambda c: _process_chunk(c, limit))
            except duckdb.TransactionException as exc:
                # Another writer committed the same unlock first; the rerun sees it and skips it.
                if "constraint" not in str(exc).lower() or attempt == 4:
                    raise
                time.sleep(0.01 * (2**attempt))
    raise AssertionError("unreachable")


def _process_chunk(cur: duckdb.DuckDBPyConnection, limit: int) -> ChunkReport:
    cur.complete()  # Finish a result the caller left half-read; cur.sql would refuse to run.
    chunk = cur.sql(
        _CHUNK_SQL,
        params={
            "limit": limit,
            "deleted": REASON_DELETED,
            "inactive": REASON_INACTIVE,
            "quest_gone": REASON_QUEST_GONE,
            "badge_archived": REASON_BADGE_ARCHIVED,
            "quest_archived": REASON_QUEST_ARCHIVED,
        },
    ).pl()
    batch_ids: list[int] = []
    published = errors = inserted = 0
    if chunk.height:
        batch_ids = chunk["batch_id"].unique().sort().to_list()
        errors = chunk["error_reason"].is_not_null().sum()
        published = chunk.height - errors
        cur.register("publish_chunk", chunk)
        try:
            # Statuses first: a concurrent writer of these rows conflicts here, before any unlock.
            cur.execute(
                """UPDATE batch_users u SET
                       status = CASE WHEN c.error_reason IS NULL THEN 'published' ELSE 'error' END,
                       error_reason = c.error_reason,
                       processed_at = current_timestamp
                   FROM publish_chunk c
                   WHERE u.batch_id = c.batch_id AND u.user_id = c.user_id
                     AND u.status IN ('unpublished', 'in_progress')"""
            )
            # One unlock per user and quest, ever: a user who holds it already keeps the old one,
            # and one user in two batches of the same chunk is credited to the earlier batch.
            new = cur.execute(
                """INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at)
                   SELECT DISTINCT ON (user_id, quest_id)
                          user_id, quest_id, batch_id, current_timestamp
                   FROM publish_chunk WHERE error_reason IS NULL
                   ORDER BY user_id, quest_id, rank
                   ON CONFLICT DO NOTHING
                   RETURNING batch_id, quest_id, unlocked_at"""
            ).fetchall()
            inserted = len(new)
            if inserted:
                # The weekly chart's counts move with the unlocks, in the same transaction.
                cur.register(
                    "new_unlocks",
                    pl.DataFrame(
                        new,
                        schema={
                            "batch_id": pl.Int64,
                            "quest_id": pl.Int32,
                            "unlocked_at": pl.Datetime("us", "UTC"),
                        },
                        orient="row",
                    ),
                )
                try:
                    unlock_counts.add(cur, "new_unlocks")
                finally:
                    unregister(cur, "new_unlocks")
        finally:
            unregister(cur, "publish_chunk")
    settled: list[int] = []
    if chunk.height < limit:  # The queue is draining: also finish batches with nobody pending.
        settled = [r[0] for r in cur.execute(_SETTLED_SQL).fetchall()]
    touched = sorted(set(batch_ids) | set(settled))
    rules.refresh(cur, touched)
    finished: tuple[int, ...] = ()
    if touched:
        finished = tuple(
            r[0]
            for r in cur.execute(
                "SELECT id FROM batches WHERE list_contains($ids, id) "
                "AND status IN ('published', 'partially_published') ORDER BY id",
                {"ids": touched},
            ).fetchall()
        )
    return ChunkReport(
        processed=chunk.height,
        published=int(published),
        errors=int(errors),
        already_held=int(published) - int(inserted),
        batch_ids=tuple(batch_ids),
        finished=finished,
    )


def stored_rate(cur: duckdb.DuckDBPyConnection) -> float | None:
    """Return the stored throttle in unlocks per second, or None for unlimited."""
    value = get_setting(cur, RATE_SETTING)
    cur.complete()  # get_setting reads with fetchone, which leaves its result open.
    return parse_rate(value)


def parse_rate(value: str | float | None) -> float | None:
    """Read a throttle value: a positive number, or None / 0 / "" / "unlimited" for no limit."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip().lower()
        if value in ("", "unlimited", "none"):
            return None
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number of unlocks per second") from None
    if math.isnan(value) or value < 0:
        raise ValueError("a rate must be zero (unlimited) or a positive number")
    return None if value == 0 or math.isinf(value) else float(value)


def chunk_size_for(rate: float | None, chunk_size: int = DEFAULT_CHUNK) -> int:
    """Return the chunk size for a rate: the full chunk if unthrottled, else a tick's worth."""
    if rate is None:
        return chunk_size
    return max(1, min(chunk_size, int(rate * THROTTLE_TICK)))


class _Sizer:
    """Chooses each chunk's size: a tick's worth with a throttle, else adapted to its duration."""

    def __init__(self, chunk_size: int, max_chunk: int | None) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.base = chunk_size
        self.most = max(chunk_size, MAX_CHUNK if max_chunk is None else max_chunk)
        self.size = chunk_size

    def next(self, rate: float | None) -> int:
        """Return the size of the next chunk."""
        return chunk_size_for(rate, self.base) if rate is not None else self.size

    def learn(self, rate: float | None, asked: int, processed: int, seconds: float) -> None:
        """Grow after a quick full chunk, shrink after a slow one."""
        if rate is not None or processed < asked:
            return  # only a full, unthrottled chunk tells how long a chunk of this size takes
        if seconds < CHUNK_TARGET / 2:
            self.size = min(self.most, self.size * 2)
        elif seconds > CHUNK_TARGET:
            self.size = max(self.base, self.size // 2)


def run(
    cur: duckdb.DuckDBPyConnection,
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
    """
    report = RunReport()
    sizer = _Sizer(chunk_size, max_chunk)
    started = time.perf_counter()
    while not stop.is_set():
        # An idle worker only runs this tiny read; a chunk's transaction waits for work.
        chunk = ChunkReport()
        if has_queue(cur):
            current = parse_rate(rate() if callable(rate) else rate)  # 0 means unlimited
            asked = sizer.next(current)
            began = time.perf_counter()
            chunk = process_once(cur, asked)
            sizer.learn(current, asked, chunk.processed, time.perf_counter() - began)
        if chunk.empty:
            if on_idle is not None:
                on_idle()
            if until_empty:
                break
            (wake or stop).wait(IDLE_POLL)
            if wake is not None:
                wake.clear()
            continue
        report.add(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
        if current is not None:
            # Keep to the rate: this chunk's users may take chunk/rate seconds in all.
            stop.wait(max(0.0, chunk.processed / current - (time.perf_counter() - began)))
    report.seconds = time.perf_counter() - started
    return report


def has_queue(cur: duckdb.DuckDBPyConnection) -> bool:
    """Tell whether a batch is waiting or being published."""
    return bool(
        cur.execute(
            "SELECT 1 FROM batches WHERE status IN ('unpublished', 'in_progress') LIMIT 1"
        ).fetchall()
    )


def run_until_empty(
    cur: duckdb.DuckDBPyConnection,
    rate: float | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    on_chunk: Callable[[ChunkReport], None] | None = None,
    max_chunk: int | None = None,
) -> RunReport:
    """Process the whole queue in this thread, then return (rate None: unlimited)."""
    return run(
        cur,
        threading.Event(),
        rate,
        chunk_size,
        until_empty=True,
        on_chunk=on_chunk,
        max_chunk=max_chunk,
    )


@dataclass(frozen=True)
class WorkerStatus:
    """What the background worker is doing, for a status line in the app."""

    running: bool
    rate: float | None
    processed: int
    chunks: int
    last_chunk_at: datetime | None
    last_error: str | None
    # Set while publishing cannot go on: since when, and why in plain words.
    stalled_since: datetime | None = None
    stall_reason: str | None = None

    @property
    def stalled(self) -> bool:
        """Tell whether publishing is stalled (chunks keep failing)."""
        return self.stalled_since is not None

    def stall_message(self, since: str) -> str | None:
        """Return the sentence a page shows while publishing is stalled (None if it is not).

        `since` is `stalled_since` as the viewer reads it (their time zone and format).
        """
        if self.stalled_since is None:
            return None
        return (
            f"Publishing is stalled since {since}: {self.stall_reason or 'the last chunk failed'}."
            " It resumes by itself when this is fixed."
        )


class Worker:
    """The publisher in a background thread of the app; it never touches Streamlit.

    Start it once per process (e.g. behind `st.cache_resource`); it takes its own cursor from the
    connection. Without `rate` it follows the stored setting `publish_rate`, re-read per chunk
    (`use_stored_rate=False`: unlimited); with `rate` it keeps to that (0: unlimited).
    """

    # After a failed chunk the worker waits RETRY_AFTER seconds, doubling per failure in a row up
    # to RETRY_MAX: a full disk is not hammered every 2 s, and a fixed one is noticed soon enough.
    RETRY_AFTER = 2.0
    RETRY_MAX = 30.0

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        rate: float | None = None,
        chunk_size: int = DEFAULT_CHUNK,
        use_stored_rate: bool = True,
        on_chunk: Callable[[ChunkReport], None] | None = None,
        max_chunk: int | None = None,
    ) -> None:
        self._con = con
        self._use_stored_rate = use_stored_rate and rate is None
        self._chunk_size = chunk_size
        self._max_chunk = max_chunk
        self._on_chunk = on_chunk
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._processed = 0
        self._chunks = 0
        self._last_chunk_at: datetime | None = None
        self._last_error: str | None = None
        self._stalled_since: datetime | None = None
        self._stall_reason: str | None = None
        self._failures = 0  # failed runs in a row
        # An explicit rate wins over the setting; 0 means unlimited, like the setting's "0".
        self._current_rate: float | None = parse_rate(rate)

    def start(self) -> None:
        """Start the thread (does nothing if it is running)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._main, name="publisher", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop after its current chunk and wait for it."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def wake(self) -> None:
        """Look at the queue now instead of at the next idle poll (call after publishing)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        """Tell whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> WorkerStatus:
        """Return counters since start and the last error, if any."""
        return WorkerStatus(
            running=self.running,
            rate=self._current_rate,
            processed=self._processed,
            chunks=self._chunks,
            last_chunk_at=self._last_chunk_at,
            last_error=self._last_error,
            stalled_since=self._stalled_since,
            stall_reason=self._stall_reason,
        )

    def retry_delay(self) -> float:
        """Return how long the worker waits before its next try after the failures so far."""
        if self._failures == 0:
            return 0.0
        return min(self.RETRY_MAX, self.RETRY_AFTER * 2 ** (self._failures - 1))

    def _rate_now(self, cur: duckdb.DuckDBPyConnection) -> float | None:
        if self._use_stored_rate:
            try:
                self._current_rate = stored_rate(cur)
            except ValueError:
                self._current_rate = None  # A garbled setting must not stop publishing.
        return self._current_rate

    def _count(self, chunk: ChunkReport) -> None:
        self._processed += chunk.processed
        self._chunks += 1
        self._last_chunk_at = datetime.now(UTC)
        self._clear_stall()
        if self._on_chunk is not None:
            self._on_chunk(chunk)

    def _main(self) -> None:
        cur = self._con.cursor()  # A cursor per thread: a shared one raises.
        try:
            while not self._stop.is_set():
                try:
                    run(
                        cur,
                        self._stop,
                        lambda: self._rate_now(cur),
                        self._chunk_size,
                        on_chunk=self._count,
                        wake=self._wake,
                        max_chunk=self._max_chunk,
                        on_idle=self._clear_stall,
                    )
                except Exception as exc:
                    self._record_failure(exc)
                    self._stop.wait(self.retry_delay())
        finally:
            cur.close()

    def _clear_stall(self) -> None:
        """Forget a stall: a chunk went through, or nothing is left to publish."""
        if self._stalled_since is not None:
            log.info("publishing resumed after a stall since %s", self._stalled_since)
        self._stalled_since = self._stall_reason = self._last_error = None
        self._failures = 0

    def _record_failure(self, exc: Exception) -> None:
        """Remember a failed run as a stall (since when, why); log it once, then quietly."""
        failure = unavailable(exc)
        self._failures += 1
        self._last_error = str(failure) if failure else f"{type(exc).__name__}: {exc}"
        # The reason before the time: a page reading between the two never sees a reasonless stall.
        self._stall_reason = (
            failure.reason
            if isinstance(failure, StoreUnavailable)
            else "an unexpected error stopped the last chunk (details are in the server log)"
        )
        if self._stalled_since is None:
            self._stalled_since = datetime.now(UTC)
            log.error("publishing stalled; retrying with back-off", exc_info=exc)
        else:
            log.warning("publishing still stalled (%d failures in a row): %s", self._failures, exc)
