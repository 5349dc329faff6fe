"""The guard in front of every HTTP request: who may reach which path of the web app."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send
from streamlit import runtime as st_runtime
from streamlit.web.server.starlette.starlette_websocket import (
    USER_COOKIE_NAME,
    _get_signed_cookie_with_chunks,
)

from core.access import accounts, sessions
from core.access.roles import Account, Permission
from pages.web import runtime
from pages.web.auth import COOKIE

# Paths that must work without a session: the login pages and Streamlit's own assets/endpoints
# (the health check included: a load balancer asks it without logging in), and the HTTP API,
# which authenticates every request by its bearer token and never by the session cookie.
API_ROOT = "/api/v1"  # answered by the API itself (a 404 naming its reference), as below it
API_PREFIX = API_ROOT + "/"
OPEN_PREFIXES = (
    "/login", "/logout", "/setup", "/_stcore", "/static", "/favicon", "/component", API_PREFIX,
)  # fmt: skip
# Streamlit endpoints that carry a user's data: file uploads (into a session's memory) and
# media (deferred downloads, exports). They need a live login, whatever the method.
SESSION_PREFIXES = ("/_stcore/upload_file/", "/media/")
# The server's metrics name sessions and load: admins only.
ADMIN_PREFIXES = ("/_stcore/metrics",)

UPLOAD_PREFIX = "/_stcore/upload_file/"
UPLOADS_NOT_YOURS = (
    "This upload was refused: files can only be sent into your own open page. Reload the page "
    "and upload again there."
)
UPLOADS_NOT_FOR_ROLE = "Your role ({role}) cannot upload user lists. Ask an admin or a dev."

NOT_LOGGED_IN = (
    "You are not logged in, or your session has ended. Log in at /login, then try again."
)
ADMINS_ONLY = "Only admins may read the server's metrics. Log in as an admin to see them."


def oidc_configured() -> bool:
    """Tell whether single sign-on (an `[auth]` section in secrets.toml) is set up."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def _sso_email(cookies: Mapping[str, str]) -> str | None:
    """The email of a signed-in single sign-on identity (Streamlit's signed st.user cookie)."""
    # Streamlit's own reader of its signed cookie (a private helper: if it moves, the import
    # fails at start, loudly, rather than SSO silently letting nobody in).
    raw = _get_signed_cookie_with_chunks(dict(cookies), USER_COOKIE_NAME)
    if not raw:
        return None
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    email = payload.get("email") if payload.get("is_logged_in") else None
    return email if isinstance(email, str) and email else None


def request_account(cookies: Mapping[str, str]) -> Account | None:
    """The account behind a request's cookies now: the session cookie, else single sign-on."""
    uow = runtime.unit_of_work()
    account = sessions.session_account(uow, cookies.get(COOKIE))
    if account is None and oidc_configured():
        email = _sso_email(cookies)
        account = accounts.account_for_email(uow, email) if email else None
    return account


class LoginGuard(BaseHTTPMiddleware):
    """Send a visitor without a live session to /login; refuse data endpoints to them.

    Only HTTP passes through here (BaseHTTPMiddleware never sees the websocket): the websocket
    stays open, and every script run, fragment, callback and deferred download checks the
    session itself (pages/ui/session.py).
    """

    async def dispatch(self, request: Request, call_next) -> Response:
        """Redirect unauthenticated page loads, refuse uploads/media/metrics; pass the rest."""
        path = request.url.path
        if path.startswith(SESSION_PREFIXES + ADMIN_PREFIXES) and request.method != "OPTIONS":
            account = await run_in_threadpool(request_account, request.cookies)
            # Plain statuses, no redirect: these are fetched by scripts, not opened as pages.
            if account is None:
                return PlainTextResponse(NOT_LOGGED_IN, status_code=401)
            if path.startswith(ADMIN_PREFIXES) and not account.can(Permission.SEE_SERVER_METRICS):
                return PlainTextResponse(ADMINS_ONLY, status_code=403)
            if path.startswith(UPLOAD_PREFIX):
                refusal = _upload_refusal(account, path, request.cookies)
                if refusal is not None:
                    return PlainTextResponse(refusal, status_code=403)
            return await call_next(request)
        if request.method != "GET" or path == API_ROOT or path.startswith(OPEN_PREFIXES):
            return await call_next(request)
        token = request.cookies.get(COOKIE)
        account = await run_in_threadpool(
            lambda: sessions.session_account(runtime.unit_of_work(), token)
        )
        if account is None:
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)
        return await call_next(request)


def _upload_refusal(account: Account, path: str, cookies: Mapping[str, str]) -> str | None:
    """Why an upload may not go in, or None: only roles that upload, only into one's own session.

    Streamlit keeps an uploaded file in the memory of the session named in the URL; without this
    any logged-in account could fill any session (an analyst included, or an anonymous one).
    """
    if not account.can(Permission.EDIT_BATCHES):
        return UPLOADS_NOT_FOR_ROLE.format(role=account.role.value)
    session_id = path[len(UPLOAD_PREFIX) :].split("/", 1)[0]
    owner = session_cookies(session_id)
    if owner is None or owner.get(COOKIE) != cookies.get(COOKIE):
        return UPLOADS_NOT_YOURS
    return None


def session_cookies(session_id: str) -> Mapping[str, str] | None:
    """The cookies of a Streamlit session's current websocket connection, or None if it has none."""
    if not st_runtime.exists():
        return None
    client = st_runtime.get_instance().get_client(session_id)
    context = client.client_context if client is not None else None
    return context.cookies if context is not None else None


class WebsocketOrigin:
    """Refuse a websocket opened by a page of another origin (another port or host).

    Streamlit accepts its websocket from any port of localhost and the machine's own addresses,
    and the SameSite cookie goes along, so another service's page on the same host could drive
    the app as the person logged in. A browser always sends Origin; a client without it is no
    browser a page could misuse, so it passes (the per-run session checks still apply).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Close a websocket handshake whose Origin is not the host it was sent to."""
        if scope["type"] == "websocket" and not _same_origin(scope):
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)


def _same_origin(scope: Scope) -> bool:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    origin = headers.get("origin")
    if origin is None:
        return True
    hosts = {headers.get("host"), headers.get("x-forwarded-host")} - {None}
    return urlsplit(origin).netloc in hosts
