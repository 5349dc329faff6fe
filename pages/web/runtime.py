"""What one app process holds: its data store, its publisher and its webhook dispatcher, made from
its `Settings`.

The composition root of the web app (`app.py` `create_app`) installs one `Runtime`; the login
routes, the guards and the page scripts all reach it through `current()`. This is the only module
of `pages/` that knows which store is behind the port (guarded by tests/unit/test_design_guards.py).
Plain Python (no streamlit).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from core.config import Settings
from core.demo import data_file
from core.errors import StoreUnavailable
from core.publishing.worker_thread import Worker
from core.store import connect, unavailable
from core.store.ports import UnitOfWork
from core.webhooks.dispatcher import Dispatcher

log = logging.getLogger("batch_unlock")


class Runtime:
    """The process's store connection and publisher thread, built from its settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()  # start_worker() opens the store while holding it
        self._store: UnitOfWork | None = None
        self._worker: Worker | None = None
        self._dispatcher: Dispatcher | None = None
        self._threads = threading.local()  # each thread's own unit of work (thread_unit_of_work)

    def store(self) -> UnitOfWork:
        """Return the process's connection to the data file, opening it on first use.

        A missing file is created with demo data only if the settings want it (the default
        file, or BATCH_UNLOCK_DEMO=1), so the README's first command opens a living product; any
        other new file starts empty and its first visit creates the first admin (/setup). A
        file that cannot be opened is tried again on the next call.
        """
        with self._lock:
            if self._store is None:
                path = self.settings.database
                if self.settings.wants_demo() and not Path(path).exists():
                    log.info("Creating %s with demo data", path)
                    data_file.create_file(path, connect)
                self._store = connect(path)
            return self._store

    def unit_of_work(self) -> UnitOfWork:
        """Return a new unit of work on the store (one per thread or request)."""
        return self.store().cursor()

    def thread_unit_of_work(self) -> UnitOfWork:
        """Return this thread's unit of work, made on its first use here.

        One per thread, not per session: a session's new script run can start while its
        previous run (or a live fragment) is still in a query on another thread, and a DuckDB
        cursor refuses concurrent calls.
        """
        store = self.store()
        if getattr(self._threads, "store", None) is not store:  # first use, or store reopened
            self._threads.store, self._threads.uow = store, store.cursor()
        return self._threads.uow

    def probe(self) -> None:
        """Read what every request needs; raise `StoreUnavailable` if the store cannot serve it."""
        uow = self.unit_of_work()
        try:
            uow.probe()
        finally:
            uow.close()

    def start_worker(self) -> Worker:
        """Start this process's publisher thread (once); it keeps going with no tab open."""
        with self._lock:
            if self._worker is None:
                self._worker = Worker(self.store())
            self._worker.start()
            return self._worker

    @property
    def worker(self) -> Worker | None:
        """The running publisher, if this process started one."""
        return self._worker

    def start_dispatcher(self) -> Dispatcher:
        """Start this process's webhook dispatcher (once), beside the publisher."""
        with self._lock:
            if self._dispatcher is None:
                self._dispatcher = Dispatcher(self.store())
            self._dispatcher.start()
            return self._dispatcher

    @property
    def dispatcher(self) -> Dispatcher | None:
        """The running webhook dispatcher, if this process started one."""
        return self._dispatcher

    def close(self) -> None:
        """Stop the publisher and the dispatcher, then close the store."""
        with self._lock:
            if self._worker is not None:
                self._worker.stop()
                self._worker = None
            if self._dispatcher is not None:
                self._dispatcher.stop()
                self._dispatcher = None
            if self._store is not None:
                self._store.close()
                self._store = None


def store_failure(exc: BaseException) -> StoreUnavailable | None:
    """Return a store failure (full disk, damaged file) in plain words, or None for anything else."""
    return unavailable(exc)


# The one process-wide slot: the runtime `install` put there, else one made from the environment.
_lock = threading.Lock()
_current: Runtime | None = None
_installed = False


def install(settings: Settings) -> Runtime:
    """Make the runtime of these settings the process's own (the web app's composition root)."""
    global _current, _installed  # one runtime per process is the point
    with _lock:
        if _current is not None:
            _current.close()
        _current, _installed = Runtime(settings), True
        return _current


def current() -> Runtime:
    """Return the process's runtime.

    Outside the served app (AppTest, tests, scripts) nothing installed one: it is made from the
    environment, and made again when the environment names another data file.
    """
    global _current
    with _lock:
        if _installed and _current is not None:
            return _current
        settings = Settings.from_env()
        if _current is None or _current.settings != settings:
            if _current is not None:
                _current.close()
            _current = Runtime(settings)
        return _current


def unit_of_work() -> UnitOfWork:
    """Return a new unit of work on the process's store."""
    return current().unit_of_work()


def worker() -> Worker | None:
    """Return the running publisher, if this process started one (the served app does)."""
    return current().worker


def close_all() -> None:
    """Stop the publisher, close the store and forget the runtime (at shutdown, between tests)."""
    global _current, _installed
    with _lock:
        if _current is not None:
            _current.close()
        _current, _installed = None, False
