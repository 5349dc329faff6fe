"""The dispatcher: a thread beside the publisher (in the app, and in `python -m core worker`) that
posts due deliveries, polling the outbox while it is idle. No Streamlit here.

Several dispatchers may share a PostgreSQL database (each claim skips rows others hold); on a
DuckDB file there is one, in the process that owns the file.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from core import words
from core.store.ports import UnitOfWork
from core.webhooks import delivery

log = logging.getLogger(__name__)

POLL_S = 1.0  # how often an idle dispatcher looks for due deliveries
RETRY_AFTER_S, RETRY_MAX_S = 2.0, 30.0  # after a store failure: waits doubling up to the max
KEEP = timedelta(days=30)  # finished deliveries older than this are purged
PURGE_EVERY_S = 3600.0


class Dispatcher:
    """Posts due webhook deliveries in a thread of its own, on its own unit of work."""

    def __init__(
        self,
        store: UnitOfWork,
        backoff: delivery.Backoff = delivery.DEFAULT_BACKOFF,
        poll: float = POLL_S,
        timeout: float = delivery.TIMEOUT_S,
    ) -> None:
        self._store = store
        self._backoff = backoff
        self._poll = poll
        self._timeout = timeout
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Since start: posts answered 2xx, failed ones to be tried again, deliveries given up.
        self.delivered = self.retrying = self.given_up = 0
        self.last_error: str | None = None  # the store's, not a receiver's

    def start(self) -> None:
        """Start the thread (does nothing if it is running)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._main, name="webhooks", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to stop after its current post and wait for it."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(self._timeout + 2 if timeout is None else timeout)

    def wake(self) -> None:
        """Look at the outbox now instead of at the next poll."""
        self._wake.set()

    @property
    def running(self) -> bool:
        """Tell whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def count(self, attempts: list[delivery.Attempt]) -> None:
        """Add attempts to the counts (the thread's own, and those its owner made itself)."""
        for attempt in attempts:
            if attempt.status == "delivered":
                self.delivered += 1
            elif attempt.status == "failed":
                self.given_up += 1
            else:
                self.retrying += 1

    def drain(self, uow: UnitOfWork) -> str | None:
        """Post what is due now on `uow` (the thread stopped), then say in one line what this
        dispatcher's deliveries did, or None if it made none (`worker --once` prints it)."""
        while attempts := delivery.deliver_due(uow, backoff=self._backoff, timeout=self._timeout):
            self.count(attempts)
        if not (self.delivered or self.retrying or self.given_up):
            return None
        done = [words.count(self.delivered, "delivery", "deliveries") + " made"]
        if self.retrying:
            done.append(f"{self.retrying:,} to try again later (`webhook deliveries`)")
        if self.given_up:
            done.append(f"{self.given_up:,} given up")
        return f"Webhooks: {', '.join(done)}."

    def _main(self) -> None:
        uow = self._store.cursor()  # a unit of work per thread: a shared cursor raises
        failures, purged_at = 0, 0.0
        try:
            while not self._stop.is_set():
                try:
                    if time.monotonic() - purged_at > PURGE_EVERY_S:
                        uow.webhooks.purge(datetime.now(UTC) - KEEP)
                        purged_at = time.monotonic()
                    attempts = delivery.deliver_due(
                        uow, backoff=self._backoff, timeout=self._timeout
                    )
                    failures, self.last_error = 0, None
                except Exception as exc:
                    failures += 1
                    self.last_error = str(exc)
                    log.warning("webhook dispatcher: %s (failure %d in a row)", exc, failures)
                    self._stop.wait(min(RETRY_MAX_S, RETRY_AFTER_S * 2 ** (failures - 1)))
                    continue
                self.count(attempts)
                if not attempts:  # idle: wait for the poll or a wake
                    self._wake.wait(self._poll)
                    self._wake.clear()
        finally:
            uow.close()
