"""The publisher in a background thread of the app: started once per process, never stops on
its own; a failing chunk is a stall (since when, why) retried with back-off. No Streamlit here."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from core.errors import StoreUnavailable
from core.publishing.publish_rate import get_rate, parse_rate
from core.publishing.throttle import DEFAULT_CHUNK
from core.publishing.unlocking import ChunkReport
from core.publishing.worker import run
from core.publishing.worker_status import WorkerStatus
from core.store.ports import UnitOfWork

log = logging.getLogger(__name__)


class Worker:
    """The publisher's loop in a thread of its own, on its own unit of work.

    Without `rate` it follows the stored setting `publish_rate`, re-read per chunk
    (`use_stored_rate=False`: unlimited); with `rate` it keeps to that (0: unlimited).
    """

    # After a failed chunk the worker waits RETRY_AFTER seconds, doubling per failure in a row up
    # to RETRY_MAX: a full disk is not hammered every 2 s, and a fixed one is noticed soon enough.
    RETRY_AFTER = 2.0
    RETRY_MAX = 30.0

    def __init__(
        self,
        store: UnitOfWork,
        rate: float | None = None,
        chunk_size: int = DEFAULT_CHUNK,
        use_stored_rate: bool = True,
        on_chunk: Callable[[ChunkReport], None] | None = None,
        max_chunk: int | None = None,
    ) -> None:
        self._store = store
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
        """Look at the queue now instead of at the next idle poll (call after publishing, and
        after resuming a batch or the publisher: a paused publisher idles like an empty queue).

        On PostgreSQL a batch queued by any process also wakes the thread (LISTEN/NOTIFY, see
        PublishingRepository.listen); this is the in-process way, and the only one on DuckDB.
        """
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

    def _rate_now(self, uow: UnitOfWork) -> float | None:
        if self._use_stored_rate:
            try:
                self._current_rate = get_rate(uow)
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
        uow = self._store.cursor()  # A unit of work per thread: a shared cursor raises.
        try:
            while not self._stop.is_set():
                try:
                    run(
                        uow,
                        self._stop,
                        lambda: self._rate_now(uow),
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
            uow.close()

    def _clear_stall(self) -> None:
        """Forget a stall: a chunk went through, or nothing is left to publish."""
        if self._stalled_since is not None:
            log.info("publishing resumed after a stall since %s", self._stalled_since)
        self._stalled_since = self._stall_reason = self._last_error = None
        self._failures = 0

    def _record_failure(self, exc: Exception) -> None:
        """Remember a failed run as a stall (since when, why); log it once, then quietly."""
        # The store turns a failure of the data file itself into StoreUnavailable, in words.
        failure = exc if isinstance(exc, StoreUnavailable) else None
        self._failures += 1
        self._last_error = str(failure) if failure is not None else f"{type(exc).__name__}: {exc}"
        # The reason before the time: a page reading between the two never sees a reasonless stall.
        self._stall_reason = (
            failure.reason
            if failure is not None
            else "an unexpected error stopped the last chunk (details are in the server log)"
        )
        if self._stalled_since is None:
            self._stalled_since = datetime.now(UTC)
            log.error("publishing stalled; retrying with back-off", exc_info=exc)
        else:
            log.warning("publishing still stalled (%d failures in a row): %s", self._failures, exc)
