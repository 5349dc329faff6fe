"""Start-up and shutdown of the app process: the data file, then the publisher."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool

from core.access import accounts, throttle
from core.batches import matching
from core.errors import InputError, StoreError
from pages.web import runtime

log = logging.getLogger("batch_unlock")


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Open the data file (the default one with demo data), purge old sessions, start the publisher."""
    # A wrong proxy setting would merge every client into the proxy's address (one guesser could
    # then throttle everyone), so it stops the start with a message instead.
    try:
        throttle.trusted_proxies()
    except InputError as exc:
        log.error("Not starting: %s", exc)  # in words, above uvicorn's traceback
        raise
    try:
        await run_in_threadpool(runtime.database)
        store_ok = True
    except StoreError as exc:
        # Serve anyway: the health check and every page then say plainly that the store cannot
        # be used (pages/web/store_guard.py), rather than a process that dies at start.
        log.error("Starting without a usable data store: %s", exc)
        store_ok = False
    if store_ok:
        try:
            await run_in_threadpool(lambda: accounts.purge_expired_sessions(runtime.cursor()))
            await run_in_threadpool(lambda: throttle.purge(runtime.cursor()))
        except Exception:
            # Not fatal: sessions are purged again when one starts.
            log.exception("Could not purge expired sessions at start")
    # A data file changed by the command line may need its matching index brought up to date.
    try:
        await run_in_threadpool(lambda: matching.sync_user_index(runtime.cursor()))
    except Exception:
        # Not fatal: the first preview tries again and reports a problem in plain words.
        log.exception("Could not bring the matching index up to date at start")
    # The publisher runs on the server, so closing every tab never stops a batch.
    if store_ok:
        runtime.start_worker()
    try:
        yield
    finally:
        runtime.close_all()
