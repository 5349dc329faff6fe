"""One webhook post over HTTP(S): bounded as a whole, never redirected, to an address checked.

The post resolves its host once, checks every address (`core.webhooks.targets`: public only,
unless the server allows private ones) and connects to one of those, never resolving again, so a
name that changes its answer in between (DNS rebinding) cannot slip through; HTTPS still verifies
the certificate for the URL's host name. A refused host is an answer like a refused connection:
(None, "refused: HOST resolves to a private or local address").
"""

from __future__ import annotations

import base64
import http.client
import io
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from core.webhooks import targets

TIMEOUT_S = 10.0  # for the receiver to answer one post
MAX_ERROR_LENGTH = 300


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


@dataclass(frozen=True)
class _Pinned:
    """The addresses checked for a host: a connection to the host goes to one of them."""

    host: str
    infos: list[targets.AddrInfo]

    def connect(
        self, address: tuple[str, int], timeout: float, source: tuple[str, int] | None = None
    ) -> socket.socket:
        """`socket.create_connection`, but to the checked addresses, in their order."""
        if address[0].strip("[]").lower() != self.host.lower():
            raise OSError(f"{address[0]} was not checked for this post")
        error: OSError = OSError(f"{self.host} has no address to connect to")
        for family, kind, proto, _, sockaddr in self.infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(timeout)
                if source:
                    sock.bind(source)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error


def _bounded(
    base: type[http.client.HTTPConnection], deadline: float, pinned: _Pinned | None
) -> type:
    class Bounded(base):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            self.timeout = max(0.001, deadline - time.monotonic())  # connecting, TLS included
            if pinned is not None:
                # http.client connects through this attribute (then wraps TLS for self.host).
                self._create_connection = pinned.connect
            super().connect()
            self.sock = _DeadlineSocket(self.sock, deadline)

    return Bounded


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: float, pinned: _Pinned | None) -> None:
        super().__init__()
        self._deadline = deadline
        self._pinned = pinned

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_bounded(http.client.HTTPConnection, self._deadline, self._pinned), req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: float, pinned: _Pinned | None) -> None:
        super().__init__()
        self._deadline = deadline
        self._pinned = pinned

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = _bounded(http.client.HTTPSConnection, self._deadline, self._pinned)
        return self.do_open(connection, req, context=self._context)


def _proxied(url: str) -> bool:
    """Whether a proxy from the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) carries the post,
    as urllib would decide."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme.lower())
    return bool(proxy) and not urllib.request.proxy_bypass(parts.netloc)


def _opener(url: str, deadline: float) -> urllib.request.OpenerDirector:
    """An opener for one post: to the addresses checked for the URL's host (Refused, or OSError
    if it has none). Through a proxy from the environment, the host is checked here too, but the
    proxy connects (and resolves the name again) itself."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    if _proxied(url):
        # The proxy resolves the name (here it may not resolve at all): refused here only what
        # is or resolves to a private address; the proxy's own rules do the rest.
        try:
            targets.checked(host, port)
        except targets.Refused:
            raise
        except OSError:
            pass
        return urllib.request.build_opener(
            _NoRedirects, _HTTP(deadline, None), _HTTPS(deadline, None)
        )
    pinned = _Pinned(host, targets.checked(host, port))
    no_proxy = urllib.request.ProxyHandler({})
    return urllib.request.build_opener(
        no_proxy, _NoRedirects, _HTTP(deadline, pinned), _HTTPS(deadline, pinned)
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
    target, sent = _without_userinfo(url, headers)
    try:
        opener = _opener(target, deadline)
    except targets.Refused as exc:
        return None, str(exc)
    except (OSError, UnicodeError) as exc:  # the host has no address now
        return None, _in_words(exc)
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
