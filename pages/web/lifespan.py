"""Start-up and shutdown of the app process: the data file, then the publisher and the webhook
dispatcher (if they run here)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool

from core.access import client_address, passwords, sessions, throttle
from core.batches import matching
from core.catalog import badge_tree
from core.errors import InputError, StoreError
from pages.web import runtime, warmup

log = logging.getLogger("batch_unlock")


def _first_reads(rt: runtime.Runtime) -> None:
    """What first pages read: the quests with their unlocks (Badges), the tree (list, new batch).

    Also the hash an unknown username is checked against, made on first use: made now, the
    first login for an unknown name costs what a wrong password costs.
    """
    passwords.DUMMY_HASH  # noqa: B018 - reading it makes it (a module __getattr__)
    uow = rt.unit_of_work()
    try:
        badge_tree.quests(uow)
        badge_tree.badge_tree(uow, include_archived=True)
    finally:
        uow.close()


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Open the data file (the default one with demo data), purge old sessions, start the publisher."""
    # A wrong proxy setting would merge every client into the proxy's address (one guesser could
    # then throttle everyone), so it stops the start with a message instead.
    try:
        client_address.trusted_proxies()
    except InputError as exc:
        log.error("Not starting: %s", exc)  # in words, above uvicorn's traceback
        raise
    rt = runtime.current()
    try:
        await run_in_threadpool(rt.store)
        store_ok = True
    except StoreError as exc:
        # Serve anyway: the health check and every page then say plainly that the store cannot
        # be used (pages/web/store_guard.py), rather than a process that dies at start.
        log.error("Starting without a usable data store: %s", exc)
        store_ok = False
    if store_ok:
        try:
            await run_in_threadpool(lambda: sessions.purge_expired_sessions(rt.unit_of_work()))
            await run_in_threadpool(lambda: throttle.purge(rt.unit_of_work()))
        except Exception:
            # Not fatal: sessions are purged again when one starts.
            log.exception("Could not purge expired sessions at start")
    # A data file changed by the command line may need its matching index brought up to date.
    try:
        await run_in_threadpool(lambda: matching.sync_user_index(rt.unit_of_work()))
    except Exception:
        # Not fatal: the first preview tries again and reports a problem in plain words.
        log.exception("Could not bring the matching index up to date at start")
    # The publisher runs on the server, so closing every tab never stops a batch; a deployment
    # that runs `python -m core worker` elsewhere sets BATCH_UNLOCK_WORKER=0 (that worker then
    # posts the webhooks' deliveries too, so the dispatcher goes with the publisher).
    if store_ok and rt.settings.run_worker:
        rt.start_worker()
        rt.start_dispatcher()
    warming = warmup.start(lambda: _first_reads(rt)) if store_ok else None
    try:
        yield
    finally:
        if warming is not None:
            # Before the store closes: a read after that would open the file again.
            await run_in_threadpool(warming.join, warmup.JOIN_TIMEOUT_S)
        runtime.close_all()
