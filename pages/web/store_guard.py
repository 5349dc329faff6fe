"""The outermost guard: a data store that cannot be used answers plain 503s, never a bare 500
(under /api/ a problem+json 503, as the API answers its own failures).

It answers Streamlit's health check itself when the data file cannot be opened or read (a load
balancer or an operator then sees why), and turns a store failure raised by anything behind it
(the login guard, /login, /logout) into a short page saying what is wrong and what to do. The
details (DuckDB's words, the file's path) go to the server log only.

A full disk does not fail the health check: pages still read, so users see the plain message of
each refused write (and the stalled publisher) instead of a server that looks down.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from core.errors import StoreError, StoreUnavailable
from pages.web import runtime

log = logging.getLogger("batch_unlock")

HEALTH_PATH = "/_stcore/health"
# The HTTP API answers its own failures as problem+json (pages/web/api/problems.py) and opens
# the store per request, so no page-load probe runs for it.
API_PREFIX = "/api/v1/"
# Streamlit's own endpoints and files, fetched by a page already loaded: not page loads.
ASSET_PREFIXES = ("/_stcore", "/static", "/media", "/component", "/favicon", "/app/static")
UNAVAILABLE_TITLE = "Batch Unlock cannot reach its data store right now"
UNAVAILABLE_TEXT = (
    "Nothing you did caused this, and nothing was changed. Try again in a few minutes; if it "
    "lasts, tell the person who runs Batch Unlock: the server log says what is wrong with the "
    "data file."
)
_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Unavailable · Batch Unlock</title>
<style>body {{ font-family: system-ui, sans-serif; background: #f6f6fb; margin: 0; }}
main {{ max-width: 420px; margin: 12vh auto; background: #fff; padding: 2rem;
border-radius: 12px; box-shadow: 0 2px 12px #0001; }} h1 {{ font-size: 1.3rem; }}</style>
</head><body><main><h1>{UNAVAILABLE_TITLE}</h1><p>{UNAVAILABLE_TEXT}</p></main></body></html>"""
# Sent with every 503: do not cache it, and let clients know to come back.
_HEADERS = {"Cache-Control": "no-store", "Retry-After": "60", "X-Frame-Options": "DENY"}


def store_problem() -> str | None:
    """Return why the data store cannot serve requests (a short phrase), or None if it can."""
    try:
        runtime.current().probe()
    except StoreUnavailable as exc:
        return exc.reason
    except StoreError as exc:  # locked by another process, or a newer schema
        log.error("The data store cannot be used: %s", exc)
        return "the data file cannot be opened"
    return None


def unavailable_page() -> HTMLResponse:
    """The plain page every request gets while the data store cannot be used."""
    return HTMLResponse(_PAGE, status_code=503, headers=_HEADERS)


def unavailable_problem(exc: StoreError) -> Response:
    """The API's answer to a store failure that reached this guard: a 503 problem."""
    # Imported here: the API's problems read this module's words (no import cycle at start).
    from pages.web.api.problems import from_exception

    return from_exception(exc)


class StoreGuard(BaseHTTPMiddleware):
    """Answer the health check and page loads from the store's state; store failures become 503s."""

    async def dispatch(self, request: Request, call_next) -> Response:
        """Check the store on health checks and page loads; catch store failures of the rest."""
        path = request.url.path
        health = path == HEALTH_PATH
        api = path.startswith(API_PREFIX)
        page_load = not path.startswith(ASSET_PREFIXES) and not api
        if request.method in ("GET", "HEAD") and (health or page_load):
            # A page load (the login form included) costs four tiny reads more: a damaged file
            # then gets this page at once, not a login form whose every use fails.
            problem = await run_in_threadpool(store_problem)
            if problem is not None:
                if health:
                    return PlainTextResponse(
                        f"unavailable: {problem}", status_code=503, headers=_HEADERS
                    )
                return unavailable_page()
        try:
            return await call_next(request)  # for the health check: Streamlit's own "ok"
        except StoreError as exc:
            # Already logged with the store's own words where it was translated (core/store/).
            log.error("Answered %s %s with 503: %s", request.method, path, exc)
            return unavailable_problem(exc) if api else unavailable_page()
