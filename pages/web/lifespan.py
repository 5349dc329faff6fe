"""Start-up and shutdown of the app process: open (or create) the data file first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool

from pages.web import runtime


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Open the data file (filling demo data on first start) before serving; close it after."""
    await run_in_threadpool(runtime.database)
    try:
        yield
    finally:
        runtime.close_all()
