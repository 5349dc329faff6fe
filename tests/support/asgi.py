"""A minimal ASGI client for the login routes: one request in, status, headers and body out.

Starlette's TestClient needs httpx, which the app does not otherwise use; the routes are plain
ASGI, so a request is a scope and a body message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.applications import Starlette

from pages.web.auth import ROUTES

T = TypeVar("T")


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on an event loop of its own thread.

    Playwright's sync API (the browser tests, earlier in the same pytest process) leaves an
    event loop marked as running in the main thread, where asyncio.run would refuse to start.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@dataclass
class Reply:
    """What a route answered."""

    status: int
    headers: dict[str, list[str]]
    text: str

    def header(self, name: str) -> str | None:
        """The first value of a header, or None."""
        values = self.headers.get(name.lower())
        return values[0] if values else None


def login_app() -> Starlette:
    """The app's login routes (/login, /logout, /setup) without Streamlit around them."""
    return Starlette(routes=ROUTES)


def request(
    app: Starlette,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    client: str = "192.0.2.10",
    cookies: dict[str, str] | None = None,
) -> Reply:
    """Send one request from `client` and return the reply."""
    body = urlencode(form).encode() if form is not None else b""
    raw = [(b"host", b"testserver")]
    if form is not None:
        raw.append((b"content-type", b"application/x-www-form-urlencoded"))
    if cookies:
        raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    path_only, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path_only,
        "raw_path": path_only.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": raw,
        "client": (client, 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []
    delivered = False

    async def receive() -> dict:
        nonlocal delivered
        if delivered:
            await asyncio.sleep(3600)  # the app waits for a disconnect that never comes
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    run_apart(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    found: dict[str, list[str]] = {}
    for key, value in start["headers"]:
        found.setdefault(key.decode().lower(), []).append(value.decode())
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Reply(start["status"], found, text.decode())
