"""Login over plain HTTP: a /login form that sets an HttpOnly session cookie, /logout, and a guard.

Streamlit widgets cannot set cookies, so the login form is a small server-rendered page; the
session token lives only in the cookie and (hashed) in the data file, so a refresh or a deep link
keeps the session and logging out ends it everywhere.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from core import accounts, labels
from core.accounts import LoginFailed
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


def _html(title: str, content: str, status: int = 200) -> HTMLResponse:
    """A small stand-alone page (no user text reaches it unescaped)."""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · Batch Unlock</title><style>{_STYLE}</style></head>
<body><main>
<h1>Batch Unlock</h1>
{content}
</main></body></html>"""
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _page(next_path: str, message: str = "", username: str = "", status: int = 200) -> HTMLResponse:
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return _html(
        labels.LOG_IN,
        f"""{error}
<form method="post" action="/login">
 <input type="hidden" name="next" value="{html.escape(next_path)}">
 <label for="username">{labels.LOGIN_USERNAME}</label>
 <input id="username" name="username" autocomplete="username" required autofocus
        value="{html.escape(username)}">
 <label for="password">{labels.LOGIN_PASSWORD}</label>
 <input id="password" name="password" type="password" autocomplete="current-password" required>
 <button type="submit">{labels.LOG_IN}</button>
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


async def login(request: Request) -> Response:
    """Show the login form (GET) or check the credentials and start a session (POST)."""
    if request.method == "GET":
        return _page(safe_next(request.query_params.get("next")))
    if not same_origin(request):
        return _foreign_post()
    form = await request.form()
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))

    def check() -> str:
        cur = runtime.cursor()
        account = accounts.authenticate(cur, username, password)
        return accounts.start_session(cur, account)

    try:
        token = await run_in_threadpool(check)
    except LoginFailed as exc:
        return _page(next_path, str(exc), username, status=401)
    response = RedirectResponse(next_path, status_code=303)
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
                labels.LOG_OUT,
                f"""<p>Log out of Batch Unlock as <strong>{html.escape(live.username)}</strong>?</p>
<form method="post" action="/logout"><button type="submit">{labels.LOG_OUT}</button></form>
<p class="hint"><a href="/">Stay logged in</a></p>""",
            )
        # No live session: the app's "Log out" ended it already; only the cookie is left.
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


ROUTES = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["GET", "POST"]),
]
