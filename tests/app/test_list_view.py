"""The batch list's one current view, its grid's widths, and the page HTML's base-URL hint."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from pages.web.base_url import BackendBaseUrl
from tests.support.asgi import request

PAGE = '<!doctype html><html><head><meta charset="UTF-8"></head><body><div id="root"></div></body>'


def _app() -> Starlette:
    def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    def other_html(request: Request) -> HTMLResponse:
        return HTMLResponse("<html><head></head><body>Log in</body></html>")

    def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/batch-unlock", page),
            Route("/login", other_html),
            Route("/_stcore/health", health),
        ],
        middleware=[Middleware(BackendBaseUrl)],
    )


def test_streamlits_page_tells_the_browser_the_server_is_at_the_root() -> None:
    reply = request(_app(), "GET", "/batch-unlock", headers={"accept-encoding": "gzip"})
    assert reply.status == 200
    assert 'BACKEND_BASE_URL:window.location.origin+"/"' in reply.text
    assert reply.text.index("BACKEND_BASE_URL") < reply.text.index('<div id="root">')
    assert reply.header("content-length") == str(len(reply.text.encode()))


def test_other_pages_and_endpoints_pass_unchanged() -> None:
    app = _app()
    assert "__streamlit" not in request(app, "GET", "/login").text
    assert request(app, "GET", "/_stcore/health").text == "ok"
