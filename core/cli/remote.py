"""The command line's HTTP client for `python -m core --url URL …`: the running app's API.

Plain urllib (no third-party client), imported only when --url is given. Every request carries
the API token as `Authorization: Bearer`; a write carries an `Idempotency-Key` and is sent again
once, with the same key, when the connection breaks before an answer arrives, so the server does
it at most once. An answer that is a problem (RFC 9457) becomes `Refused` with its `detail` (the
sentence the UI shows); a server that cannot be reached, or fails (5xx), becomes `Unreachable`.
Redirects are not followed: urllib would send the token on to wherever a 3xx points (another
host too) and turn a POST into a GET, so any 3xx is `Unreachable`, naming its Location.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from core.errors import BatchUnlockError

API_PREFIX = "/api/v1"
TIMEOUT_S = 60.0  # a 5,000-row add answers within seconds; a hung server should not hang a script
MAX_WAIT_S = 60.0  # a throttled request waits this long at most before trying again …
MAX_WAITS = 3  # … and this many times, then the 429's sentence is the answer
# Query values: one string, or several for a repeated parameter (?status=a&status=b).
Query = Mapping[str, str | int | bool | Sequence[str] | None]
# The connection broke before the answer: the request may or may not have been done.
_BROKEN = (ConnectionResetError, ConnectionAbortedError, http.client.RemoteDisconnected)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Never follow a 3xx: it becomes an HTTPError, answered below with its Location."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# Proxies from the environment (HTTPS_PROXY, NO_PROXY) apply, as urlopen's would.
_OPENER = urllib.request.build_opener(_NoRedirects)


class Refused(BatchUnlockError):
    """The API refused the request (4xx): `detail` is its one sentence, `status` its code."""

    def __init__(self, detail: str, status: int) -> None:
        super().__init__(detail)
        self.status = status


class Unreachable(BatchUnlockError):
    """The server could not be reached, broke off, or failed (5xx): not the caller's input."""


def base_url(given: str) -> str:
    """Return the app's address from --url without a trailing slash (raises Refused)."""
    url = given.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Refused(
            f"--url takes the running app's address, such as http://localhost:8501; {given!r} "
            "is not one.",
            0,
        )
    # The API's own prefix given too ("http://host:8501/api/v1"): the app's address is before it.
    return url.removesuffix(API_PREFIX)


class Client:
    """Requests to one app's API with one token."""

    def __init__(self, url: str, token: str, timeout: float = TIMEOUT_S) -> None:
        self.url = base_url(url)
        self._token = token
        self._timeout = timeout

    def get(self, path: str, query: Query | None = None) -> Any:
        """GET an API path; return its JSON."""
        return self._send("GET", path, query, None, {})

    def post(
        self,
        path: str,
        body: Any = None,
        query: Query | None = None,
        *,
        data: bytes | None = None,
        content_type: str = "application/json",
    ) -> Any:
        """POST JSON (or raw `data` of `content_type`) to an API path; return its JSON."""
        if data is None:
            data = json.dumps({} if body is None else body, ensure_ascii=False).encode()
        headers = {"Content-Type": content_type, "Idempotency-Key": str(uuid.uuid4())}
        return self._send("POST", path, query, data, headers)

    def pages(self, path: str, query: Query | None = None, per_page: int = 500) -> Iterator[dict]:
        """Yield every item of a paged list, page after page, until `total` items came."""
        page, seen = 1, 0
        while True:
            answer = self.get(path, {**(query or {}), "page": page, "per_page": per_page})
            items = answer["items"]
            yield from items
            seen += len(items)
            # A page past the end answers no items.
            if not items or seen >= answer["total"]:
                return
            page += 1

    def _send(
        self,
        method: str,
        path: str,
        query: Query | None,
        data: bytes | None,
        headers: dict[str, str],
    ) -> Any:
        # The scheme is http or https: base_url refused anything else (file:, ftp:).
        request = urllib.request.Request(  # noqa: S310
            self.url + API_PREFIX + path + _query_text(query),
            data=data,
            method=method,
            headers={
                **headers,
                "Authorization": f"Bearer {self._token}",
                "Accept": "application/json",
            },
        )
        resets = waits = 0
        while True:
            try:
                with _OPENER.open(request, timeout=self._timeout) as response:
                    return _json(response.read(), self.url)
            except urllib.error.HTTPError as exc:
                wait = _retry_after(exc)
                if wait is not None and waits < MAX_WAITS:
                    # Throttled (429): a long list's pages may outrun the token's rate.
                    exc.close()
                    waits += 1
                    time.sleep(wait)
                    continue
                if 300 <= exc.code < 400:
                    raise _redirected(exc, self.url) from None
                raise _problem(exc, self.url) from None
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", exc)
                if resets == 0 and isinstance(reason, _BROKEN):
                    resets += 1  # sent again once, with the same Idempotency-Key
                    continue
                raise Unreachable(
                    f"Could not reach Batch Unlock at {self.url} ({_why(reason)}): is the app "
                    "running there?"
                ) from None


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    """The seconds a 429 asks to wait, when short enough to wait here; else None."""
    if exc.code != 429:
        return None
    try:
        seconds = float(exc.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_WAIT_S else None


def _query_text(query: Query | None) -> str:
    """The query string of the given parameters, without those that are None."""
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        if value is None:
            continue
        values = [value] if isinstance(value, str | int | bool) else list(value)
        for one in values:
            pairs.append((key, str(one).lower() if isinstance(one, bool) else str(one)))
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


def _json(raw: bytes, url: str) -> Any:
    """Parse an answer's JSON; an answer that is not JSON means the address is not the API."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise Unreachable(
            f"{url} did not answer as Batch Unlock's API: is it the app's address?"
        ) from None


def _redirected(exc: urllib.error.HTTPError, url: str) -> Unreachable:
    """A redirect (3xx), not followed: the address given is not the API's own."""
    with exc:
        location = exc.headers.get("Location") or "no Location"
    return Unreachable(
        f"The app at {url} answered with a redirect ({exc.code}) to {location}, which is not "
        "followed (it would get the token): give --url the app's own address."
    )


def _problem(exc: urllib.error.HTTPError, url: str) -> BatchUnlockError:
    """The refusal (4xx) or failure (5xx) an error answer stands for, in its own sentence."""
    with exc:
        raw = exc.read()
    try:
        problem = json.loads(raw)
    except ValueError:
        problem = None
    detail = problem.get("detail") if isinstance(problem, dict) else None
    if exc.code >= 500:
        return Unreachable(
            detail
            if isinstance(detail, str) and detail
            else f"The app at {url} failed ({exc.code})."
        )
    if isinstance(detail, str) and detail:
        return Refused(detail, exc.code)
    if exc.code == 404:  # not the API's own "not found", which is a problem with a detail
        return Unreachable(
            f"{url} has no Batch Unlock API at {API_PREFIX}: is it the app's address?"
        )
    return Refused(f"The app at {url} refused the request ({exc.code} {exc.reason}).", exc.code)


def _why(reason: object) -> str:
    """A short reason for a failed connection."""
    if isinstance(reason, TimeoutError):
        return "no answer in time"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    text = getattr(reason, "strerror", None) or str(reason)
    return text or type(reason).__name__
