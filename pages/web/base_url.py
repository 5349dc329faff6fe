"""Tell Streamlit's page where its server is, so that a page under a sub-path asks for no URL
that does not exist.

Without a hint, Streamlit's browser code guesses the server's base path from the page's URL: on
/batch-unlock it first asks /batch-unlock/_stcore/health and /batch-unlock/_stcore/host-config
(two 404s on every load of every page but the first), then falls back to the root. It reads
`window.__streamlit.BACKEND_BASE_URL` when the page sets it, and then asks only there; this
middleware writes that setting into the HTML of every page load, with the links that fetch the
scripts our screens' elements need early (pages/web/page_preloads.py).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import config

from pages.web import page_preloads

# Never a page: Streamlit's endpoints and assets keep their compression and pass untouched.
NOT_PAGES = ("/_stcore/", "/static/", "/media/", "/component/", "/favicon", "/manifest.json")
ROOT_MARKER = b'<div id="root">'  # only Streamlit's own page is edited
HEAD = b"<head>"


def _preloads() -> bytes:
    """The links that fetch our screens' element scripts early (pages/web/page_preloads.py)."""
    return page_preloads.link_tags(page_preloads.element_scripts()).encode()


def base_url_script() -> bytes:
    """The inline script that gives Streamlit's browser code the server's base URL."""
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    path = json.dumps(f"/{base}" if base else "/")
    return (
        "<script>window.__streamlit=Object.assign({},window.__streamlit,"
        f"{{BACKEND_BASE_URL:window.location.origin+{path}}});</script>"
    ).encode()


class BackendBaseUrl:
    """ASGI middleware: add the base-URL script to Streamlit's page (index.html) as it is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass every request on; edit the body of a GET answered with Streamlit's page."""
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"].startswith(NOT_PAGES)
        ):
            await self.app(scope, receive, send)
            return
        # Ask for the page uncompressed (it is 1-2 KB) so that it can be edited here.
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        scope = {**scope, "headers": headers}
        start: Message | None = None
        chunks: list[bytes] = []

        async def edit(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if kind.startswith(b"text/html") and message["status"] == 200:
                    start = message  # held until the whole body is here
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                if ROOT_MARKER in body and HEAD in body:
                    body = body.replace(HEAD, HEAD + base_url_script() + _preloads(), 1)
                fixed = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                fixed.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": fixed})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, edit)
