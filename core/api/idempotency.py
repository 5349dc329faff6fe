"""Idempotent API writes: a write sent again with the same `Idempotency-Key` is answered, not redone.

The key's row (scoped to the account and the token's name) is claimed first in the same
transaction as the write and holds its answer, so the write and its record commit together or not
at all. A retry finds the row and gets the first answer. A duplicate sent at the same moment loses
the claim: PostgreSQL makes its claim wait on the key until the first ends; DuckDB refuses its
claim at once (KeyTaken, also while the winner's COMMIT is not yet visible to a read) or, if both
were open, its COMMIT, its write undone. Either way it waits for the winner's row with a short
backoff (up to `DUPLICATE_WAIT_S`) and replays the winner's answer; if the winner rolled back, the
key is free and the duplicate does the write itself. A write that fails stores nothing: sending it
again runs it again. Keys are kept for `KEEP`, then purged.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from core.access.roles import Account
from core.api.shapes import to_json
from core.errors import BatchUnlockError, DuplicateKey, GaveUp, InputError, StoreError
from core.store.ports import UnitOfWork
from core.store.ports.idempotency import KeyTaken
from core.store.retry import ATTEMPTS, GAVE_UP

KEEP = timedelta(hours=24)
MAX_KEY_LENGTH = 255
PURGE_EVERY_S = 3600.0  # per process: a purge is one DELETE, not worth running on every write
DUPLICATE_WAIT_S = 5.0  # how long a duplicate polls for the first request's answer to show
FIRST_BACKOFF_S = 0.01  # its first pause; each next one doubles, up to MAX_BACKOFF_S
MAX_BACKOFF_S = 0.25

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"

BAD_KEY = (
    f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters (a UUID is a "
    "good key). Send the request with another key, or without the header."
)
KEY_REUSED = (
    f"This {HEADER} was already used for another request (another method, path, query or body) "
    "in the last 24 hours. Send this request with a new key."
)
STILL_RUNNING = (
    f"A request with this {HEADER} is still being answered. Wait a moment and send it again "
    "with the same key: it is then answered once, not done twice."
)

_purge_lock = threading.Lock()
_last_purge = 0.0


class StillRunning(BatchUnlockError):
    """A copy of this keyed request is still being answered (HTTP 409, retry in a second)."""

    http_status = 409

    def __init__(self) -> None:
        super().__init__(STILL_RUNNING)
        self.headers = {"Retry-After": "1"}


class KeyReused(InputError):
    """The key was used within `KEEP` for a request with another fingerprint."""


def check_key(key: str) -> str:
    """Return the key if it is 1-255 printable ASCII characters; raise InputError otherwise."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise InputError(BAD_KEY)
    return key


def canonical(data: Any) -> bytes:
    """Parsed JSON written one way only (sorted keys, no spaces, ASCII escapes): the same body
    however a client serialised it."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What makes two requests the same one: method, path, query string and the body's hash
    (a JSON body's canonical form: `canonical`)."""
    digest = hashlib.sha256(body).hexdigest()
    return hashlib.sha256(f"{method.upper()}\n{path}\n{query}\n{digest}".encode()).hexdigest()


def run_once(
    uow: UnitOfWork,
    account: Account,
    key: str,
    fingerprint: str,
    work: Callable[[UnitOfWork], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run `work(uow)` (returning status and a JSON-able body) once for this key; return
    (status, body, replayed). The same key with another request raises KeyReused."""
    check_key(key)
    scope = (account.username, account.via_token or "")
    _purge_now_and_then(uow)
    deadline = time.monotonic() + DUPLICATE_WAIT_S
    pause = FIRST_BACKOFF_S
    conflicts = 0
    while True:
        try:
            # One try per pass: a conflict may be a copy of this request still open (on DuckDB
            # its claim shows only at COMMIT, and its work may touch the same batch row), so it
            # is waited for here, where the next pass replays the copy's answer once it shows.
            return uow.transaction(lambda u: _attempt(u, scope, key, fingerprint, work), 1)
        except KeyTaken:
            pass  # another copy holds the key: the next attempt replays it once it shows
        except GaveUp:
            conflicts += 1
            if conflicts >= ATTEMPTS and not _shows(uow, scope, key):
                raise StoreError(GAVE_UP) from None  # another writer, not a copy: as any write
        except DuplicateKey:
            # A claim lost at COMMIT (DuckDB) finds the winner's row; without one, the broken
            # key is the work's own: its own refusal.
            if not _shows(uow, scope, key):
                raise
        if time.monotonic() > deadline:
            raise StillRunning() from None
        time.sleep(pause * random.uniform(0.5, 1.5))  # jitter: the copies do not wake as one
        pause = min(pause * 2, MAX_BACKOFF_S)


def _shows(uow: UnitOfWork, scope: tuple[str, str], key: str) -> bool:
    """Tell whether the key's row can be read, looking again twice within ~50 ms (a COMMIT that
    refused ours has just ended: its row is visible at once or very nearly)."""
    for pause in (0.0, 0.015, 0.035):
        time.sleep(pause)
        if uow.idempotency.find(*scope, key) is not None:
            return True
    return False


def _attempt(
    uow: UnitOfWork,
    scope: tuple[str, str],
    key: str,
    fingerprint: str,
    work: Callable[[UnitOfWork], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """One try in one transaction: replay a kept answer, or claim the key, work and keep its answer.

    The claim comes before the work, so a duplicate stops (or, on PostgreSQL, waits) there.
    """
    found = uow.idempotency.find(*scope, key)
    if found is not None:
        kept_fingerprint, status, answer, created_at = found
        if created_at >= datetime.now(UTC) - KEEP:
            if kept_fingerprint != fingerprint:
                raise KeyReused(KEY_REUSED)
            return status, json.loads(answer), True
        uow.idempotency.forget(*scope, key)  # kept past its time: the key is new again
    uow.idempotency.claim(*scope, key, fingerprint)
    status, body = work(uow)
    uow.idempotency.answer(*scope, key, status, to_json(body))
    return status, body, False


def purge(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Delete the keys older than `KEEP`; return how many were deleted."""
    return uow.idempotency.purge((now or datetime.now(UTC)) - KEEP)


def _purge_now_and_then(uow: UnitOfWork) -> None:
    """Purge old keys at most once per `PURGE_EVERY_S` in this process, before a write."""
    global _last_purge  # one clock per process is the point
    with _purge_lock:
        if time.monotonic() - _last_purge < PURGE_EVERY_S:
            return
        _last_purge = time.monotonic()
    purge(uow)
