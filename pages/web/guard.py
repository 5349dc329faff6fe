"""The guard in front of every HTTP request: who may reach which path of the web app."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse

from core import accounts
from pages.web import runtime
from pages.web.auth import COOKIE

# Paths that must work without a session: the login pages and Streamlit's own assets/endpoints.
OPEN_PREFIXES = ("/login", "/logout", "/_stcore", "/static", "/media", "/favicon", "/component")


class LoginGuard(BaseHTTPMiddleware):
    """Send a visitor without a live session to /login, remembering where they were going."""

    async def dispatch(self, request: Request, call_next):
        """Redirect unauthenticated page loads; let everything else through."""
        path = request.url.path
        if request.method != "GET" or path.startswith(OPEN_PREFIXES):
            return await call_next(request)
        token = request.cookies.get(COOKIE)
        account = await run_in_threadpool(lambda: accounts.session_account(runtime.cursor(), token))
        if account is None:
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)
        return await call_next(request)
