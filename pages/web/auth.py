"""Login over plain HTTP: a /login form that sets an HttpOnly session cookie, /logout, /setup.

Streamlit widgets cannot set cookies, so the login form is a small server-rendered page (its
HTML in pages/web/forms.py); the session token lives only in the cookie and (hashed) in the data
file, so a refresh or a deep link keeps the session and logging out ends it everywhere.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.access import accounts, sessions, throttle
from core.access import client_address as addresses
from core.access.login import LoginFailed, authenticate
from core.errors import InputError
from pages.web import forms, runtime

COOKIE = "batch_unlock_session"


def safe_next(target: str | None) -> str:
    """Return a same-site path to go to after login (never an absolute or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _redirect(target: str) -> RedirectResponse:
    """A 303 redirect carrying the same security headers as the pages."""
    return RedirectResponse(target, status_code=303, headers=forms.HEADERS)


def same_origin(request: Request) -> bool:
    """Tell whether a form post comes from this site's own pages (a defence against CSRF).

    Browsers send Origin with every form post (Referer as a fallback); a post made by another
    site's page names that site. A client that sends neither (a script) is not a browser that
    could be tricked, so it passes.
    """
    # Behind a proxy the browser's host may arrive as X-Forwarded-Host; a page of another site
    # cannot set that header on a form post, so trusting it here is safe.
    hosts = {request.headers.get("host"), request.headers.get("x-forwarded-host")} - {None}
    origin = request.headers.get("origin")
    if origin == "null":  # an opaque origin (a sandboxed frame, a data: URL): not our page
        return False
    if origin:
        return urlsplit(origin).netloc in hosts
    referer = request.headers.get("referer")
    return urlsplit(referer).netloc in hosts if referer else True


def client_address(request: Request) -> str:
    """The client's address for login throttling: the peer, or what a trusted proxy forwarded."""
    forwarded = request.headers.getlist("x-forwarded-for")
    return addresses.client_address(
        addresses.transport_peer(request.client.host if request.client else None, forwarded),
        forwarded,
        addresses.trusted_proxies(),
    )


async def _pause(seconds: float) -> None:
    """Hold an answer without holding a worker thread (tests replace it to see the delay)."""
    await asyncio.sleep(seconds)


def _logged_in(request: Request, token: str, next_path: str) -> Response:
    """Hand the browser its session cookie and send it on."""
    response = _redirect(next_path)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def _no_account_yet() -> bool:
    return not await run_in_threadpool(lambda: accounts.has_accounts(runtime.unit_of_work()))


async def login(request: Request) -> Response:
    """Show the login form (GET) or check the credentials and start a session (POST)."""
    if request.method == "GET":
        if await _no_account_yet():
            return _redirect("/setup")
        return forms.login_form(safe_next(request.query_params.get("next")))
    if not same_origin(request):
        return forms.foreign_post()
    form = await request.form()
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    return await _check_login(request, username, password, next_path)


class _Logins:
    """How many login posts this process is checking now (read and written on the event loop)."""

    waiting = 0


_logins = _Logins()
# Password hashes run two at a time (core.access.passwords.HASHES_AT_ONCE); more logins than this
# waiting means a flood, not people.
MAX_LOGINS_WAITING = 16
LOGINS_BUSY = "Too many logins are being checked right now. Wait a few seconds, then try again."


async def _check_login(request: Request, username: str, password: str, next_path: str) -> Response:
    """Check one login attempt (throttled) and start its session."""
    address = client_address(request)
    # Many addresses failing on one name slow every answer for it, awaited here so that no
    # worker thread is held while waiting.
    delay = await run_in_threadpool(
        lambda: throttle.account_delay(runtime.unit_of_work(), username.strip())
    )
    if delay > 0:
        await _pause(delay)

    def check() -> str:
        uow = runtime.unit_of_work()
        account = authenticate(uow, username, password, address)
        return sessions.start_session(uow, account)

    if _logins.waiting >= MAX_LOGINS_WAITING:
        # A flood: answer at once rather than queue behind the hashes (the same answer for every
        # name, so it tells nothing about accounts).
        return forms.login_form(next_path, LOGINS_BUSY, username, status=503)
    _logins.waiting += 1
    try:
        token = await run_in_threadpool(check)
    except LoginFailed as exc:
        return forms.login_form(next_path, str(exc), username, status=401)
    finally:
        _logins.waiting -= 1
    return _logged_in(request, token, next_path)


async def setup(request: Request) -> Response:
    """Create the first admin account and log it in; only while the store has no account."""
    if not await _no_account_yet():
        return _redirect("/login")
    if request.method == "GET":
        return forms.setup_form()
    if not same_origin(request):
        return forms.foreign_post()
    form = await request.form()
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    if password != str(form.get("password2", "")):
        return forms.setup_form(forms.SETUP_MISMATCH, username, status=400)

    def create() -> str:
        uow = runtime.unit_of_work()
        # Checks again, in the transaction that inserts, that no account exists (two at once).
        account = accounts.create_first_admin(uow, username, password)
        return sessions.start_session(uow, account)

    try:
        token = await run_in_threadpool(create)
    except InputError as exc:
        if not await _no_account_yet():  # someone else was first
            return _redirect("/login")
        return forms.setup_form(str(exc), username, status=400)
    return _logged_in(request, token, "/")


async def logout(request: Request) -> Response:
    """End the session everywhere (POST from this site) and go back to the login form.

    A GET only finishes a logout already done (the app's "Log out" button ends the session,
    then comes here to drop the cookie); for a live session it asks first, so a link or an
    image on another site cannot log anyone out.
    """
    token = request.cookies.get(COOKIE)
    if request.method == "POST":
        if not same_origin(request):
            return forms.foreign_post()
        await run_in_threadpool(lambda: sessions.end_session(runtime.unit_of_work(), token))
    else:
        live = await run_in_threadpool(
            lambda: sessions.session_account(runtime.unit_of_work(), token)
        )
        if live is not None:
            return forms.logout_confirm(live.username)
        # No live session: the app's "Log out" ended it already; only the cookie is left.
    response = _redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


ROUTES = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["GET", "POST"]),
    Route("/setup", setup, methods=["GET", "POST"]),
]
