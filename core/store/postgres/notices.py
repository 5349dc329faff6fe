"""Waking idle workers with LISTEN/NOTIFY: a batch queued in any process is heard at once.

Publishing (or retrying) a batch sends `pg_notify(CHANNEL, batch id)` in its own transaction, so
PostgreSQL delivers it when that transaction commits, never for a rolled-back one. An idle worker
listens on a dedicated connection (not one of the pool's: a pooled connection is reset and handed
to others, which would drop the LISTEN), opened when the worker first goes idle and reopened if it
drops. Without it (the server restarting, a proxy that cannot LISTEN) the worker still polls the
queue every IDLE_POLL seconds: notifications only make it quicker, never required.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "batch_unlock_queue"
NOTIFY_SQL = "SELECT pg_notify(%s, %s)"
# How often a waiting worker also looks at its wake event (a stop, or a publish in this process).
SLICE = 0.1
# After the listening connection failed to open, plain polling for this long before trying again.
REOPEN_AFTER = 5.0
CONNECT_TIMEOUT = 5


class QueueListener:
    """One idle worker's LISTEN connection, and its wait for a notification or its wake event."""

    def __init__(self, conninfo: str, wake: threading.Event) -> None:
        self._conninfo = conninfo
        self._wake = wake
        self._conn: psycopg.Connection | None = None
        self._next_try = 0.0  # monotonic time before which no reconnect is attempted

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` s for a queued batch or the wake event; tell whether woken early.

        Returns at once (True) when the connection was just (re)opened: a batch queued before
        the LISTEN took effect sent its notification to nobody, so the caller looks again now.
        """
        deadline = time.monotonic() + timeout
        while not self._wake.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self._conn is None:
                if self._open():
                    return True
                # No listening connection: poll, as without notifications.
                return self._wake.wait(left)
            try:
                if self._heard(min(left, SLICE)):
                    return True
            except psycopg.Error as exc:
                log.warning("the queue's LISTEN connection dropped (%s); reopening it", exc)
                self.close()
        return True

    def close(self) -> None:
        """Close the listening connection (a later wait opens a new one)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def _heard(self, seconds: float) -> bool:
        """Wait up to `seconds` for a notification; drain any others that came with it."""
        assert self._conn is not None
        # Each generator runs to its end: a suspended one would keep the connection's lock.
        heard = list(self._conn.notifies(timeout=seconds, stop_after=1))
        if not heard:
            return False
        # Ten batches queued at once wake the worker once, not ten times.
        for _ in self._conn.notifies(timeout=0):
            pass
        return True

    def _open(self) -> bool:
        """Open the connection and LISTEN (not more often than every REOPEN_AFTER seconds)."""
        if time.monotonic() < self._next_try:
            return False
        try:
            conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT,
                # A peer that vanished without closing the socket is noticed within minutes.
                keepalives=1,
                keepalives_idle=30,
                keepalives_interval=10,
                keepalives_count=3,
                application_name="batch-unlock worker (listen)",
            )
            conn.execute(f"LISTEN {CHANNEL}")  # a constant name: LISTEN takes no parameter
        except psycopg.Error as exc:
            self._next_try = time.monotonic() + REOPEN_AFTER
            log.warning("cannot LISTEN for queued batches (%s); polling the queue instead", exc)
            return False
        self._conn = conn
        return True
