"""Posting due deliveries: claim (a short transaction), post (outside any), record the attempt.

A 2xx answer is delivered; anything else (another status, a refused connection, no answer
within TIMEOUT_S: the whole post, however slowly a receiver trickles its answer, so it ends well
inside the claim's LEASE) is an attempt that failed: the delivery is tried again after a back-off that
doubles each time (`Backoff`), and given up ("failed") after `Backoff.attempts` tries. Each
attempt is kept with its time, status code or error. Delivery is at least once: a dispatcher
that dies after the receiver answered but before recording it posts the delivery again when the
lease ends, so receivers drop repeats by the `Batch-Unlock-Delivery` header (the outbox id).
"""

from __future__ import annotations

import base64
import http.client
import io
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from core.store.ports import UnitOfWork
from core.webhooks import signing
from core.webhooks.registry import safe_url

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0  # for the receiver to answer one post
CLAIM_SIZE = 5  # deliveries leased per claim, posted one after the other


def lease_for(limit: int, timeout: float) -> timedelta:
    """How long a claim holds its rows: longer than its posts take, so no other dispatcher takes
    them meanwhile; then a dead dispatcher's rows are taken again."""
    return timedelta(seconds=limit * timeout + 30)


LEASE = lease_for(CLAIM_SIZE, TIMEOUT_S)  # with the defaults: 80 s
MAX_ERROR_LENGTH = 300
USER_AGENT = "Batch-Unlock-Webhooks/1"


@dataclass(frozen=True)
class Backoff:
    """When to try again: `first` seconds after the first failure, doubling, at most `cap`;
    give up after `attempts` tries (the defaults keep trying for about 1.5 hours)."""

    first: float = 10.0
    cap: float = 3600.0
    attempts: int = 10

    def delay(self, tried: int) -> float:
        """Seconds to wait after the `tried`-th failed attempt."""
        return min(self.cap, self.first * 2 ** (tried - 1))


DEFAULT_BACKOFF = Backoff()


@dataclass(frozen=True)
class Attempt:
    """What one post of a delivery did."""

    delivery_id: int
    webhook_id: int
    event: str
    attempt: int
    status_code: int | None
    error: str | None
    status: str  # the delivery's status after it: delivered, pending (again later) or failed


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook posts to the URL registered, never where an answer points (a 3xx fails)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class _DeadlineSocket:
    """A connected socket whose every send and read may take only the time left to the post's
    deadline: a socket's own timeout is per operation, so a receiver trickling a byte at a time
    would hold a post (and the claim's lease) for ever."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the post's deadline has passed")
        self._sock.settimeout(left)
        return left

    def sendall(self, data: Any) -> None:
        self._left()
        self._sock.sendall(data)  # since Python 3.5 its timeout bounds the whole call

    def recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        self._left()
        return self._sock.recv_into(buffer, nbytes)

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        # http.client reads the answer through this file: each of its reads comes back here.
        return io.BufferedReader(socket.SocketIO(self, "rb"))  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _bounded(base: type[http.client.HTTPConnection], deadline: float) -> type:
    class Bounded(base):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            self.timeout = max(0.001, deadline - time.monotonic())  # connecting, TLS included
            super().connect()
            self.sock = _DeadlineSocket(self.sock, deadline)

    return Bounded


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_bounded(http.client.HTTPConnection, self._deadline), req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(
            _bounded(http.client.HTTPSConnection, self._deadline), req, context=self._context
        )


def _without_userinfo(url: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A user and password in the URL become HTTP Basic authentication (urllib would take them
    for part of the host, and its error would show the password)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, headers
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    auth = "Basic " + base64.b64encode(pair).decode()
    bare = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    return bare, headers | {"Authorization": auth}


def post(
    url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_S
) -> tuple[int | None, str | None]:
    """POST the body, all of it (connecting, sending, the answer's status and headers) within
    `timeout` seconds; return (status code, None) for any HTTP answer, else (None, what went
    wrong)."""
    deadline = time.monotonic() + timeout
    # Proxies from the environment (HTTPS_PROXY, NO_PROXY) apply, as for any outgoing request.
    opener = urllib.request.build_opener(_NoRedirects, _HTTP(deadline), _HTTPS(deadline))
    target, sent = _without_userinfo(url, headers)
    # The scheme was checked when the webhook was added (core.webhooks.registry.clean_url).
    request = urllib.request.Request(target, data=body, headers=sent, method="POST")  # noqa: S310
    late = f"no answer within {timeout:g} s"
    try:
        # Only the status is read: the answer's body, however long, is never waited for.
        with opener.open(request) as answer:
            return answer.status, None
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, None
    except TimeoutError:
        return None, late
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return None, late
        return None, _in_words(exc.reason)
    except (OSError, http.client.HTTPException) as exc:
        return None, late if time.monotonic() >= deadline else _in_words(exc)


def _in_words(reason: object) -> str:
    """A network failure as one short phrase ("Connection refused", not "[Errno 111] …")."""
    text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
    return (text or type(reason).__name__)[:MAX_ERROR_LENGTH]


def headers_for(secret: str, body: bytes, event: str, delivery_id: int) -> dict[str, str]:
    """The headers of one post: JSON, the event, the delivery's id and the signature (now)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.EVENT_HEADER: event,
        signing.DELIVERY_HEADER: str(delivery_id),
        signing.SIGNATURE_HEADER: signing.header(secret, body),
    }


def deliver_due(
    uow: UnitOfWork,
    now: datetime | None = None,
    backoff: Backoff = DEFAULT_BACKOFF,
    limit: int = CLAIM_SIZE,
    timeout: float = TIMEOUT_S,
) -> list[Attempt]:
    """Claim up to `limit` deliveries due by `now` (default: now), post each, record each attempt."""
    moment = now or datetime.now(UTC)
    claim = uuid.uuid4().hex
    claimed = uow.webhooks.claim_due(moment, moment + lease_for(limit, timeout), claim, limit)
    done = []
    for delivery_id, webhook_id, event, text, tried, url, secret in claimed:
        body = text.encode()
        started = time.perf_counter()
        code, error = post(url, body, headers_for(secret, body, event, delivery_id), timeout)
        elapsed = time.perf_counter() - started
        at = now or datetime.now(UTC)
        attempt = tried + 1
        if code is not None and 200 <= code < 300:
            status, next_at = "delivered", at
        elif attempt >= backoff.attempts:
            status, next_at = "failed", at
        else:
            status, next_at = "pending", at + timedelta(seconds=backoff.delay(attempt))
        if code is not None and status != "delivered" and 300 <= code < 400:
            error = "redirects are not followed: register the URL it points to"
        recorded = uow.webhooks.record_attempt(
            delivery_id, claim, at, code, error, round(elapsed * 1000), status, next_at
        )
        if not recorded:
            log.warning("webhook delivery %s: its lease ended during the post", delivery_id)
            continue
        if status == "failed":
            log.warning(
                "webhook delivery %s to %s given up after %d attempts",
                delivery_id,
                safe_url(url),
                attempt,
            )
        done.append(Attempt(delivery_id, webhook_id, event, attempt, code, error, status))
    return done
