"""Start-up and shutdown of the app process: the data file, then the publisher."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool

from core import matching
from pages.web import runtime

log = logging.getLogger("batch_unlock")


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Open the data file (demo data on first start) and start the publisher; stop both after."""
    await run_in_threadpool(runtime.database)
    # A data file changed by the command line may need its matching index brought up to date.
    try:
        await run_in_threadpool(lambda: matching.sync_user_index(runtime.cursor()))
    except Exception:
        # Not fatal: the first preview tries again and reports a problem in plain words.
        log.exception("Could not bring the matching index up to date at start")
    # The publisher runs on the server, so closing every tab never stops a batch.
    runtime.start_worker()
    try:
        yield
    finally:
        runtime.close_all()
