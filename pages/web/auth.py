"""Login over plain HTTP: a /login form that sets an HttpOnly session cookie, /logout, /setup.

Streamlit widgets cannot set cookies, so the login form is a small server-rendered page; the
session token lives only in the cookie and (hashed) in the data file, so a refresh or a deep link
keeps the session and logging out ends it everywhere.
"""

from __future__ import annotations

import asyncio
import html
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from core import words
from core.access import accounts, throttle
from core.access.accounts import LoginFailed
from core.errors import InputError
from pages.web import runtime

COOKIE = "batch_unlock_session"


def safe_next(target: str | None) -> str:
    """Return a same-site path to go to after login (never an absolute or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


_STYLE = """
 body { font-family: system-ui, sans-serif; background: #f6f6fb; margin: 0; }
 main { max-width: 360px; margin: 12vh auto; background: #fff; padding: 2rem;
        border-radius: 12px; box-shadow: 0 2px 12px #0001; }
 h1 { font-size: 1.4rem; margin: 0 0 1.2rem; }
 label { display: block; margin: .8rem 0 .3rem; font-weight: 600; }
 input { width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem;
         border: 1px solid #bbb; border-radius: 6px; }
 button { margin-top: 1.3rem; width: 100%; padding: .6rem; font-size: 1rem; border: 0;
          border-radius: 6px; background: #6c3fd1; color: #fff; cursor: pointer; }
 .error { color: #b00020; background: #fde7ea; padding: .6rem; border-radius: 6px; }
 .hint { color: #666; font-size: .85rem; margin-top: 1rem; }
"""


# Sent with every page and redirect of these routes: no other site may frame the login form
# (clickjacking), and the page itself may load, run and post nothing but its own inline style.
HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _redirect(target: str) -> RedirectResponse:
    """A 303 redirect carrying the same security headers as the pages."""
    return RedirectResponse(target, status_code=303, headers=HEADERS)


def _html(title: str, content: str, status: int = 200) -> HTMLResponse:
    """A small stand-alone page (no user text reaches it unescaped)."""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · Batch Unlock</title><style>{_STYLE}</style></head>
<body><main>
<h1>Batch Unlock</h1>
{content}
</main></body></html>"""
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store", **HEADERS})


def _page(next_path: str, message: str = "", username: str = "", status: int = 200) -> HTMLResponse:
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return _html(
        words.LOG_IN,
        f"""{error}
<form method="post" action="/login">
 <input type="hidden" name="next" value="{html.escape(next_path)}">
 <label for="username">{words.LOGIN_USERNAME}</label>
 <input id="username" name="username" autocomplete="username" required autofocus
        value="{html.escape(username)}">
 <label for="password">{words.LOGIN_PASSWORD}</label>
 <input id="password" name="password" type="password" autocomplete="current-password" required>
 <button type="submit">{words.LOG_IN}</button>
</form>
<p class="hint">Back-office accounts only. Ask an admin for an account.</p>""",
        status,
    )


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


def _foreign_post() -> HTMLResponse:
    return _html(
        "Refused",
        '<p class="error" role="alert">This form was sent from another web site, so it was '
        "refused. Open Batch Unlock yourself and try again there.</p>"
        '<p><a href="/login">Go to the login page</a></p>',
        status=403,
    )


def client_address(request: Request) -> str:
    """The client's address for login throttling: the peer, or what a trusted proxy forwarded."""
    forwarded = request.headers.getlist("x-forwarded-for")
    return throttle.client_address(
        throttle.transport_peer(request.client.host if request.client else None, forwarded),
        forwarded,
        throttle.trusted_proxies(),
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
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def _no_account_yet() -> bool:
    return not await run_in_threadpool(lambda: accounts.has_accounts(runtime.cursor()))


async def login(request: Request) -> Response:
    """Show the login form (GET) or check the credentials and start a session (POST)."""
    if request.method == "GET":
        if await _no_account_yet():
            return _redirect("/setup")
        return _page(safe_next(request.query_params.get("next")))
    if not same_origin(request):
        return _foreign_post()
    form = await request.form()
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    return await _check_login(request, username, password, next_path)


class _Logins:
    """How many login posts this process is checking now (read and written on the event loop)."""

    waiting = 0


_logins = _Logins()
# Password hashes run two at a time (core.access.accounts.HASHES_AT_ONCE); more logins than this
# waiting means a flood, not people.
MAX_LOGINS_WAITING = 16
LOGINS_BUSY = "Too many logins are being checked right now. Wait a few seconds, then try again."


async def _check_login(request: Request, username: str, password: str, next_path: str) -> Response:
    """Check one login attempt (throttled) and start its session."""
    address = client_address(request)
    # Many addresses failing on one name slow every answer for it, awaited here so that no
    # worker thread is held while waiting.
    delay = await run_in_threadpool(
        lambda: throttle.account_delay(runtime.cursor(), username.strip())
    )
    if delay > 0:
        await _pause(delay)

    def check() -> str:
        cur = runtime.cursor()
        account = accounts.authenticate(cur, username, password, address)
        return accounts.start_session(cur, account)

    if _logins.waiting >= MAX_LOGINS_WAITING:
        # A flood: answer at once rather than queue behind the hashes (the same answer for every
        # name, so it tells nothing about accounts).
        return _page(next_path, LOGINS_BUSY, username, status=503)
    _logins.waiting += 1
    try:
        token = await run_in_threadpool(check)
    except LoginFailed as exc:
        return _page(next_path, str(exc), username, status=401)
    finally:
        _logins.waiting -= 1
    return _logged_in(request, token, next_path)


SETUP_TITLE = "Create the first admin account"
SETUP_PASSWORD_AGAIN = "Password again"  # noqa: S105 - a field label, not a secret
SETUP_MISMATCH = "The two passwords differ. Type the same password twice."


def _setup_page(message: str = "", username: str = "", status: int = 200) -> HTMLResponse:
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return _html(
        SETUP_TITLE,
        f"""<h2>{SETUP_TITLE}</h2>
<p>This data file has no account yet. The account you create here is an admin; it can add
the others (<code>python -m core account add</code>). This form is gone once it exists.</p>
{error}
<form method="post" action="/setup">
 <label for="username">{words.LOGIN_USERNAME}</label>
 <input id="username" name="username" autocomplete="username" required autofocus
        value="{html.escape(username)}">
 <label for="password">{words.LOGIN_PASSWORD}</label>
 <input id="password" name="password" type="password" autocomplete="new-password" required
        minlength="{accounts.MIN_PASSWORD_LENGTH}">
 <label for="password2">{SETUP_PASSWORD_AGAIN}</label>
 <input id="password2" name="password2" type="password" autocomplete="new-password" required>
 <button type="submit">{SETUP_TITLE}</button>
</form>""",
        status,
    )


async def setup(request: Request) -> Response:
    """Create the first admin account and log it in; only while the store has no account."""
    if not await _no_account_yet():
        return _redirect("/login")
    if request.method == "GET":
        return _setup_page()
    if not same_origin(request):
        return _foreign_post()
    form = await request.form()
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    if password != str(form.get("password2", "")):
        return _setup_page(SETUP_MISMATCH, username, status=400)

    def create() -> str:
        cur = runtime.cursor()
        # Checks again, in the transaction that inserts, that no account exists (two at once).
        account = accounts.create_first_admin(cur, username, password)
        return accounts.start_session(cur, account)

    try:
        token = await run_in_threadpool(create)
    except InputError as exc:
        if not await _no_account_yet():  # someone else was first
            return _redirect("/login")
        return _setup_page(str(exc), username, status=400)
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
            return _foreign_post()
        await run_in_threadpool(lambda: accounts.end_session(runtime.cursor(), token))
    else:
        live = await run_in_threadpool(lambda: accounts.session_account(runtime.cursor(), token))
        if live is not None:
            return _html(
                words.LOG_OUT,
                f"""<p>Log out of Batch Unlock as <strong>{html.escape(live.username)}</strong>?</p>
<form method="post" action="/logout"><button type="submit">{words.LOG_OUT}</button></form>
<p class="hint"><a href="/">Stay logged in</a></p>""",
            )
        # No live session: the app's "Log out" ended it already; only the cookie is left.
    response = _redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


ROUTES = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["GET", "POST"]),
    Route("/setup", setup, methods=["GET", "POST"]),
]
